using ImageKit.Cli;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>Text from outside reaches the terminal shown, never obeyed.</summary>
[TestClass]
public sealed class TerminalTextTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("x\u001b[2Jy", "x\\u001B[2Jy")]
    [DataRow("bell\u0007", "bell\\u0007")]
    [DataRow("\uFEFFfile:///a.gif", "\\uFEFFfile:///a.gif")] // a byte order mark
    [DataRow("abc\u202Egpj.exe", "abc\\u202Egpj.exe")] // right-to-left override
    [DataRow("HTTP 404\tNot Found", "HTTP 404 Not Found")]
    [DataRow("https://例え.jp/ünï çødé.gif", "https://例え.jp/ünï çødé.gif")]
    public void Printable_OutsideText_ShowsHiddenCharactersAndKeepsTheRest(string text, string expected)
    {
        Assert.AreEqual(expected, TerminalText.Printable(text));
    }

    [TestMethod]
    [DataRow("a\u2028b.gif", "a\\u2028b.gif")] // line separator: a line break to Unicode-aware readers (Python's splitlines, JavaScript)
    [DataRow("a\u2029b.gif", "a\\u2029b.gif")] // paragraph separator: likewise
    [DataRow("a\u0085b.gif", "a\\u0085b.gif")] // next line (NEL), a C1 control
    [DataRow("a\u2067b\u2069.gif", "a\\u2067b\\u2069.gif")] // right-to-left isolate and its end
    public void Printable_LineAndParagraphSeparatorsAndBidiControls_AreEscapedSoTheTextStaysOneLine(string text, string expected)
    {
        var printable = TerminalText.Printable(text);

        Assert.AreEqual(expected, printable);
        Assert.HasCount(1, printable.Split(['\n', '\r', '\u0085', '\u2028', '\u2029']));
    }

    [TestMethod]
    public void Printable_CleanText_IsReturnedAsItIs()
    {
        var text = "https://example.com/a.gif";
        Assert.AreSame(text, TerminalText.Printable(text));
    }

    [TestMethod]
    public void Printable_TooLong_IsCutWithoutSplittingASurrogatePair()
    {
        var text = new string('a', TerminalText.MaxChars - 1) + "😀" + new string('b', 10);

        var printable = TerminalText.Printable(text);

        Assert.AreEqual(new string('a', TerminalText.MaxChars - 1) + "… (12 more characters)", printable);
    }

    // InspectCommand.FormatText prints the source as its first line without TerminalText.Printable.
    [TestMethod]
    public async Task Inspect_FileNameWithAnEscapeSequence_PrintsItEscaped()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("Windows file names cannot hold control characters");
        }

        using var folder = new TempFolder();
        var path = folder.Combine("x\u001b[2Jy.gif");
        File.Copy(Corpus.PathOf("animated-red-blue.gif"), path);

        var result = await CliRunner.RunAsync("inspect", path);
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.DoesNotContain('\u001b', result.Stdout);
    }

    // The one-line error contract: a missing file's name with a line separator in it stays on the one stderr line.
    [TestMethod]
    public async Task Inspect_MissingFileWhoseNameHoldsALineSeparator_ErrorStaysOneLine()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("first\u2028second.gif");

        var result = await CliRunner.RunAsync("inspect", path);

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        Assert.DoesNotContain('\u2028', result.Stderr);
        StringAssert.Contains(result.Stderr, "first\\u2028second.gif");
    }

    // StderrLoggerFactory writes log messages (which hold the URLs) without TerminalText.Printable.
    [TestMethod]
    public async Task Fetch_VerboseWithAControlCharacterInAUrl_LogsItEscaped()
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        await File.WriteAllTextAsync(list, "file:///no/such/\u001b[31mred.gif\n", TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("fetch", "--verbose", "--list", list, "--cache-dir", folder.Combine("cache"));
        Assert.AreEqual(1, result.ExitCode, result.Stderr);
        Assert.DoesNotContain('\u001b', result.Stderr);
    }

    // CacheCommand prints the cache folder (a file name from --cache-dir) as it is: stats, clear and trim.
    [TestMethod]
    [DataRow("stats")]
    [DataRow("clear")]
    [DataRow("trim")]
    public async Task Cache_FolderNameWithAnEscapeSequence_PrintsItEscaped(string subcommand)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("Windows file names cannot hold control characters");
        }

        using var folder = new TempFolder();
        var cache = folder.Combine("x\u001b]0;owned\u0007y");
        Directory.CreateDirectory(cache);
        string[] args = subcommand == "trim" ? ["cache", "trim", "--cache-dir", cache, "--max-size", "1000"] : ["cache", subcommand, "--cache-dir", cache];

        var result = await CliRunner.RunAsync(args);
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "x\\u001B]0;owned\\u0007y");
        Assert.DoesNotContain('\u001b', result.Stdout);
        Assert.DoesNotContain('\u0007', result.Stdout);
    }

    // DemoCommand prints its cache folder, contact sheet and frames folder (file names from its options) as they are.
    [TestMethod]
    public async Task Demo_PathsWithAnEscapeSequence_PrintsThemEscaped()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("Windows file names cannot hold control characters");
        }

        using var folder = new TempFolder();
        var result = await CliRunner.RunAsync(
            "demo",
            "--cache-dir", folder.Combine("cache\u001b[2J"),
            "--contact-sheet", folder.Combine("sheet\u001b]0;owned\u0007.png"),
            "--frames-dir", folder.Combine("frames\u001b[31m"));

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "cache\\u001B[2J");
        StringAssert.Contains(result.Stdout, "sheet\\u001B]0;owned\\u0007.png");
        StringAssert.Contains(result.Stdout, "frames\\u001B[31m");
        Assert.DoesNotContain('\u001b', result.Stdout);
        Assert.DoesNotContain('\u0007', result.Stdout);
    }
}
