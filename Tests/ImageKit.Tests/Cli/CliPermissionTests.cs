using ImageKit.Tests.Permissions;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// Promise (CLI): a file or folder the user may not use is bad input, one line on stderr naming it and exit code 2, and
/// never a crash. Needs a user whom permissions stop: inconclusive as root, where <see cref="UnprivilegedUserTests"/>
/// runs them again as <c>nobody</c>.
/// </summary>
[TestClass]
public sealed class CliPermissionTests
{
    private const UnixFileMode ReadAndList = UnixFileMode.UserRead | UnixFileMode.UserExecute;

    [TestMethod]
    [TestCategory(UnprivilegedUserTests.Category)]
    public async Task Fetch_CacheFolderThisUserCannotWrite_ExitsWith2AndOneLine()
    {
        using var folder = new TempFolder();
        var cache = Directory.CreateDirectory(folder.Combine("cache")).FullName;

        var result = await RunWithout(cache, ReadAndList, "fetch", new Uri(Corpus.PathOf("TestImage.gif")).AbsoluteUri, "--cache-dir", cache);

        result?.AssertBadInput(cache, "cannot create files in");
        Assert.IsEmpty(Directory.GetFileSystemEntries(cache), "nothing was left in it");
    }

    [TestMethod]
    [TestCategory(UnprivilegedUserTests.Category)]
    public async Task Fetch_ListFileThisUserCannotRead_ExitsWith2AndOneLine()
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        await File.WriteAllTextAsync(list, new Uri(Corpus.PathOf("TestImage.gif")).AbsoluteUri);

        var result = await RunWithout(list, UnixFileMode.None, "fetch", "--list", list, "--cache-dir", folder.Combine("cache"));

        result?.AssertBadInput(list, "permission denied");
    }

    [TestMethod]
    [TestCategory(UnprivilegedUserTests.Category)]
    public async Task Inspect_FramesFolderThisUserCannotWrite_ExitsWith2AndOneLine()
    {
        using var folder = new TempFolder();
        var frames = Directory.CreateDirectory(folder.Combine("frames")).FullName;

        var result = await RunWithout(frames, ReadAndList, "inspect", Corpus.PathOf("TestImage.gif"), "--frames-dir", frames);

        result?.AssertBadInput(frames, "permission denied");
        Assert.IsEmpty(Directory.GetFileSystemEntries(frames), "no frame was written");
    }

    // A cache folder this user may not read ended `cache stats`, `clear` and `trim` with an unhandled
    // UnauthorizedAccessException (exit 134).
    [TestMethod]
    [TestCategory(UnprivilegedUserTests.Category)]
    [DataRow("stats")]
    [DataRow("clear")]
    [DataRow("trim")]
    public async Task Cache_FolderThisUserCannotRead_ExitsWith2AndOneLine(string command)
    {
        using var folder = new TempFolder();
        var cache = folder.Combine("cache");
        using (var disk = new ImageKit.Caching.DiskImageCache(new ImageKit.Caching.DiskImageCacheOptions { Directory = cache }))
        {
            await disk.SetAsync("k", new byte[10]);
        }

        string[] extra = command == "trim" ? ["--max-size", "1"] : [];
        var result = await RunWithout(cache, UnixFileMode.None, ["cache", command, "--cache-dir", cache, .. extra]);

        result?.AssertBadInput(cache, "permission denied");
    }

    // Runs the tool with path's permissions set to mode; null (the test inconclusive) when they do not stop this user.
    private static async Task<CliResult?> RunWithout(string path, UnixFileMode mode, params string[] args)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("Unix permissions");
            return null;
        }

        var before = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, mode);
        try
        {
            if (Environment.UserName == "root")
            {
                Assert.Inconclusive("file permissions do not stop root: nothing to test (UnprivilegedUserTests runs this as nobody)");
                return null;
            }

            return await CliRunner.RunAsync(args);
        }
        finally
        {
            File.SetUnixFileMode(path, before);
        }
    }
}
