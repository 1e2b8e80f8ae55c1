using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A bad line of <c>imagekit fetch --list</c> is named with its line number (blank lines and comments counted), as well
/// as by its text, which is shortened when long and may not be enough to find it; a bad argument has no line.
/// </summary>
[TestClass]
public sealed class FetchListLineNumberTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("not a url", "not an absolute URL (http, https, file or data)")]
    [DataRow("ftp://files.example/a.gif", "the 'ftp' scheme is not supported (http, https, file and data URLs are)")]
    public async Task Fetch_BadListLine_SaysItsLineNumberAndWhy(string bad, string why)
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        await File.WriteAllTextAsync(list, $"# images\n\nhttp://127.0.0.1:9/a.gif\n{bad}\n", TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", folder.Combine("cache"));

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        Assert.AreEqual($"imagekit: {bad}: line 4 of the list: {why}\n", result.Stderr.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public async Task Fetch_BadArgument_SaysNoLineNumber()
    {
        using var folder = new TempFolder();

        var result = await CliRunner.RunAsync("fetch", "ftp://files.example/a.gif", "--cache-dir", folder.Combine("cache"));

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        Assert.AreEqual("imagekit: ftp://files.example/a.gif: the 'ftp' scheme is not supported (http, https, file and data URLs are)\n", result.Stderr.ReplaceLineEndings("\n"));
    }
}
