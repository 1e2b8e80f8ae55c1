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

    // The sheet is written to a temporary file beside it first: the line was .NET's "Could not find file
    // '/proc/.sheet.png.<guid>.tmp'.", naming a file the user never gave, as if missing.
    [TestMethod]
    public async Task Play_ContactSheetInAFolderThatRefusesNewFiles_SaysSoWithoutTheTemporaryName()
    {
        var sheet = "/proc/imagekit-sheet-" + Guid.NewGuid().ToString("N") + ".png";
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            Assert.Inconclusive("needs Linux's /proc");
            return;
        }

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--seconds", "0.3", "--no-render", "--contact-sheet", sheet);

        result.AssertBadInput(sheet, "cannot write the contact sheet: /proc refuses new files (No such file or directory)");
        Assert.DoesNotContain(".tmp", result.StderrLines[0]);
    }

    // The line was .NET's "Access to the path '…/cache' is denied.", which does not say that the folder was to be made.
    [TestMethod]
    public async Task Fetch_CacheFolderInAFolderThatTakesNoNewFolders_SaysTheFolderCannotBeCreated()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("Unix permissions and attributes");
            return;
        }

        using var folder = new TempFolder();
        var parent = Directory.CreateDirectory(folder.Combine("parent")).FullName;
        var cache = Path.Combine(parent, "cache");
        CliResult result;
        using (var protection = WriteProtection.TryApply(parent))
        {
            if (protection is null)
            {
                Assert.Inconclusive("this machine cannot make a folder refuse writes to this user");
                return;
            }

            result = await CliRunner.RunAsync("fetch", new Uri(Corpus.PathOf("animated-red-blue.gif")).AbsoluteUri, "--cache-dir", cache);
        }

        result.AssertBadInput(cache, $"cannot create the folder {cache}: permission denied (");
        Assert.DoesNotContain("Access to the path", result.StderrLines[0]);
    }

    // Frames are written under temporary names first: the line was .NET's "Could not find file
    // '/proc/frame-0000.png.<guid>.tmp'.", naming a file the user never gave, as if missing.
    [TestMethod]
    public async Task Inspect_FramesFolderThatRefusesNewFiles_SaysSoWithoutTheTemporaryName()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            Assert.Inconclusive("needs Linux's /proc");
            return;
        }

        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("animated-red-blue.gif"), "--frames-dir", "/proc");

        result.AssertBadInput("/proc", "cannot write frames: /proc refuses new files (No such file or directory)");
        Assert.DoesNotContain(".tmp", result.StderrLines[0]);
    }
}
