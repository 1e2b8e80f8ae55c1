using System.Text;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary><c>fetch --list</c> reads list files as <c>File.ReadAllLines</c> would, whatever their name.</summary>
[TestClass]
public sealed class FetchListFileTests
{
    public TestContext TestContext { get; set; } = null!;

    // File.ReadAllLinesAsync, used until the list was read with a size limit, skipped a BOM (UTF-8, UTF-16) and split lines on \r, \n and \r\n.
    [TestMethod]
    [DataRow("utf-8 with BOM", "\n")]
    [DataRow("utf-8 with BOM", "\r\n")]
    [DataRow("utf-16 (Windows PowerShell 5 '>')", "\r\n")]
    [DataRow("utf-8", "\r\n")]
    [DataRow("utf-8", "\r")]
    public async Task Fetch_ListWithBomOrOtherLineEnds_ReadsItsUrls(string encodingName, string newLine)
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        Encoding encoding = encodingName.StartsWith("utf-16", StringComparison.Ordinal) ? Encoding.Unicode
            : new UTF8Encoding(encoderShouldEmitUTF8Identifier: encodingName.EndsWith("BOM", StringComparison.Ordinal));
        var url = new Uri(Corpus.PathOf("animated-red-blue.gif")).AbsoluteUri;
        await File.WriteAllTextAsync(list, $"# images{newLine}{url}{newLine}{url}{newLine}", encoding, TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", folder.Combine("cache"));
        Assert.AreEqual(0, result.ExitCode, result.Stderr + result.Stdout);
        StringAssert.StartsWith(result.Stdout, "2 URLs");
    }

    [TestMethod]
    public async Task Fetch_ListFileNameThatLooksEscaped_IsRead()
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls%41.txt");
        await File.WriteAllTextAsync(list, new Uri(Corpus.PathOf("animated-red-blue.gif")).AbsoluteUri + "\n", TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", folder.Combine("cache"));
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("# nothing yet\n\n   \n")]
    public async Task Fetch_ListWithoutUrls_SaysTheListHasNoneAndNamesIt(string content)
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        await File.WriteAllTextAsync(list, content, TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", folder.Combine("cache"));

        result.AssertBadInput(list, "the list file has no URLs");
        Assert.DoesNotContain("give at least one URL", result.Stderr);
    }

    [TestMethod]
    public async Task Fetch_EmptyListWithUrlArguments_FetchesTheArguments()
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        await File.WriteAllTextAsync(list, "# none\n", TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("fetch", new Uri(Corpus.PathOf("animated-red-blue.gif")).AbsoluteUri, "--list", list, "--cache-dir", folder.Combine("cache"));

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.StartsWith(result.Stdout, "1 URL in ");
    }
}
