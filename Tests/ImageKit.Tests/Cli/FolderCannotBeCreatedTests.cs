using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>A folder option naming a folder the system will not create (under /proc): said in the tool's words.</summary>
[TestClass]
public sealed class FolderCannotBeCreatedTests
{
    // mkdir under /proc fails with ENOENT: the line was .NET's "Could not find file '/proc/nope'.", of a folder.
    [TestMethod]
    public async Task Fetch_CacheFolderTheSystemWillNotCreate_SaysTheFolderCannotBeCreated()
    {
        var path = "/proc/imagekit-nope-" + Guid.NewGuid().ToString("N");
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            Assert.Inconclusive("needs Linux's /proc");
            return;
        }

        var result = await CliRunner.RunAsync("fetch", new Uri(Corpus.PathOf("animated-red-blue.gif")).AbsoluteUri, "--cache-dir", path);

        result.AssertBadInput(path, $"cannot create the folder {path}: ");
        StringAssert.Contains(result.StderrLines[0], "/proc refuses new folders");
        Assert.DoesNotContain("Could not find file", result.StderrLines[0]);
    }

    [TestMethod]
    public async Task Inspect_FramesFolderTheSystemWillNotCreate_SaysTheFolderCannotBeCreated()
    {
        var path = "/proc/imagekit-nope-" + Guid.NewGuid().ToString("N");
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            Assert.Inconclusive("needs Linux's /proc");
            return;
        }

        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("animated-red-blue.gif"), "--frames-dir", path);

        result.AssertBadInput(path, $"cannot create the folder {path}: ");
        Assert.DoesNotContain("Could not find file", result.StderrLines[0]);
    }
}
