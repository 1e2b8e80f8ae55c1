using ImageKit.Cli.Input;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>The CLI reads the file it is given, by its name as typed: only a <c>file:</c> URL is unescaped.</summary>
[TestClass]
public sealed class InputReaderTests
{
    public TestContext TestContext { get; set; } = null!;

    // A path taken through a Uri (new Uri(path).LocalPath) has %XX of unreserved and non-ASCII characters decoded and
    // trailing spaces trimmed: a different file, or none, would be read.
    [TestMethod]
    [DataRow("plain #?;.gif")]
    [DataRow("a%41.gif")]
    [DataRow("%E2%82%AC.gif")]
    [DataRow("ends in a space.gif ")]
    public async Task ReadFileAsync_FileNameThatLooksEscaped_ReadsThatFile(string name)
    {
        if (OperatingSystem.IsWindows() && name.EndsWith(' '))
        {
            Assert.Inconclusive("Windows file names cannot end in a space");
        }

        using var folder = new TempFolder();
        var path = folder.Combine(name);
        var data = await File.ReadAllBytesAsync(Corpus.PathOf("animated-red-blue.gif"), TestContext.CancellationToken);
        await File.WriteAllBytesAsync(path, data, TestContext.CancellationToken);

        var read = await InputReader.ReadFileAsync(path, name, InputReader.MaxInputBytes, TestContext.CancellationToken);
        CollectionAssert.AreEqual(data, read);
    }

    [TestMethod]
    [DataRow("a%41.gif")]
    [DataRow("%E2%82%AC.gif")]
    public async Task ReadAsync_AbsolutePathThatLooksEscaped_ReadsThatFileNotTheUnescapedOne(string name)
    {
        using var folder = new TempFolder();
        var data = await File.ReadAllBytesAsync(Corpus.PathOf("animated-red-blue.gif"), TestContext.CancellationToken);
        await File.WriteAllBytesAsync(folder.Combine(name), data, TestContext.CancellationToken);
        await File.WriteAllBytesAsync(folder.Combine(Uri.UnescapeDataString(name)), [1, 2, 3], TestContext.CancellationToken);

        CollectionAssert.AreEqual(data, await InputReader.ReadAsync(folder.Combine(name), headers: null, TestContext.CancellationToken));
        CollectionAssert.AreEqual(
            new byte[] { 1, 2, 3 },
            await InputReader.ReadAsync(new Uri(folder.Combine(Uri.UnescapeDataString(name))).AbsoluteUri, headers: null, TestContext.CancellationToken),
            "a file: URL is unescaped");
    }

    // RFC 8089: "localhost" names this machine. Uri reads file://localhost/path as a UNC share, which outside Windows was
    // no file at all ("file not found"), as the SDK's FileImageLoader read it too.
    [TestMethod]
    public async Task ReadAsync_FileUrlWithLocalhostAsItsHost_ReadsTheLocalFile()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("on Windows file://localhost/… is a network share");
        }

        using var folder = new TempFolder();
        var data = await File.ReadAllBytesAsync(Corpus.PathOf("animated-red-blue.gif"), TestContext.CancellationToken);
        var path = folder.Combine("local.gif");
        await File.WriteAllBytesAsync(path, data, TestContext.CancellationToken);
        var url = "file://localhost" + new Uri(path).AbsolutePath;

        Assert.AreEqual(path, InputReader.LocalPath(url));
        CollectionAssert.AreEqual(data, await InputReader.ReadAsync(url, headers: null, TestContext.CancellationToken));
        var other = await CliRunner.RunAsync("inspect", "file://elsewhere" + new Uri(path).AbsolutePath);
        Assert.AreEqual(2, other.ExitCode, other.Stderr);
        StringAssert.Contains(other.Stderr, "only local files");
    }

    // File.Exists says false for any failure to look at the file, so each of these was "file not found".
    [TestMethod]
    public async Task Inspect_FileNameTooLong_SaysSoRatherThanNotFound()
    {
        using var folder = new TempFolder();
        var path = folder.Combine(new string('a', 300) + ".gif");

        var result = await CliRunner.RunAsync("inspect", path);

        result.AssertBadInput(path, "the file name is too long");
    }

    [TestMethod]
    public async Task Inspect_PathThroughALinkToItself_SaysWhyItCannotBeReadRatherThanNotFound()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("a loop of symbolic links is a Unix test");
            return;
        }

        using var folder = new TempFolder();
        var loop = folder.Combine("loop");
        File.CreateSymbolicLink(loop, loop);
        var path = Path.Combine(loop, "image.gif");

        var result = await CliRunner.RunAsync("inspect", path);

        result.AssertBadInput(path, "cannot read the file: ");
        Assert.DoesNotContain("not found", result.Stderr);
    }

    [TestMethod]
    [TestCategory(Permissions.UnprivilegedUserTests.Category)]
    [DataRow("file")]
    [DataRow("folder")]
    public async Task Inspect_WithoutPermission_SaysPermissionDenied(string what)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("Unix permissions");
            return;
        }

        using var folder = new TempFolder();
        var locked = folder.Combine("locked");
        Directory.CreateDirectory(locked);
        var path = Path.Combine(locked, "image.gif");
        File.Copy(Corpus.PathOf("animated-red-blue.gif"), path);
        var target = what == "file" ? path : locked;
        var mode = File.GetUnixFileMode(target);
        File.SetUnixFileMode(target, UnixFileMode.None);
        try
        {
            if (CanRead(path))
            {
                Assert.Inconclusive($"file permissions do not stop this user ({Environment.UserName}) from reading the file: nothing to test");
            }

            var result = await CliRunner.RunAsync("inspect", path);

            result.AssertBadInput(path, "permission denied");
        }
        finally
        {
            File.SetUnixFileMode(target, mode);
        }
    }

    [TestMethod]
    public async Task Fetch_ListFileNameTooLong_SaysSoRatherThanNotFound()
    {
        using var folder = new TempFolder();
        var list = folder.Combine(new string('u', 300) + ".txt");

        var result = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", folder.Combine("cache"));

        result.AssertBadInput(list, "cannot read the list: the file name is too long");
    }

    private static bool CanRead(string path)
    {
        try
        {
            using (File.OpenRead(path))
            {
                return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
