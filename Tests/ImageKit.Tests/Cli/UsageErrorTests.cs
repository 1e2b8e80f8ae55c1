using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>A usage error's one stderr line names the token that is wrong, not one that the mistake pushed out of place.</summary>
[TestClass]
public sealed class UsageErrorTests
{
    private static readonly string s_gif = Corpus.PathOf("animated-red-blue.gif");

    [TestMethod]
    [DataRow("inspect|--bogus|{gif}", "usage", "'--bogus'")]
    [DataRow("inspect|--json|--bogus|{gif}", "usage", "'--bogus'")]
    [DataRow("play|--fps|-1|{gif}", "usage", "'--fps'")]
    [DataRow("fetch|--bogus|http://127.0.0.1:9/a.gif", "usage", "'--bogus'")]
    [DataRow("fetch|--json|--bogus", "usage", "'--bogus'")]
    [DataRow("fetch|--header|NoColon|http://127.0.0.1:9/a.gif", "--header", "argument 1 of 1 is not \"Name: value\" (it has no colon)")]
    [DataRow("fetch|-H|Bad Name: x|http://127.0.0.1:9/a.gif", "--header", "'Bad Name' is not a header name")]
    [DataRow("fetch|-H|: x|http://127.0.0.1:9/a.gif", "--header", "'' is not a header name")]
    [DataRow("inspect|--header|x|{gif}", "--header", "argument 1 of 1 is not \"Name: value\"")]
    [DataRow("play|{gif}|-H|a b:c", "--header", "'a b' is not a header name")]
    [DataRow("fetch|-H|X-Name: Zoë|http://127.0.0.1:9/a.gif", "--header", "the value of the header 'X-Name' has a character other than printable ASCII")]
    [DataRow("fetch|-H|Range: bytes=0-9|http://127.0.0.1:9/a.gif", "--header", "the header 'Range' is the downloader's own")]
    [DataRow("inspect|-H|Transfer-Encoding: chunked|{gif}", "--header", "the header 'Transfer-Encoding' is the connection's own")]
    [DataRow("fetch|-H|X-A: 1|-H|Authorization Bearer s3cr3t|http://127.0.0.1:9/a.gif", "--header", "argument 2 of 2 is not \"Name: value\"")]
    [DataRow("cache|frob", "usage", "'frob'")]
    [DataRow("bogus", "usage", "'bogus'")]
    [DataRow("demo|--bogus", "usage", "'--bogus'")]
    [DataRow("demo|--cache-dir|{gif}", "--cache-dir", "is a file, not a folder")]
    [DataRow("demo|--frames-dir|{gif}", "--frames-dir", "is a file, not a folder")]
    [DataRow("fetch|--cache-dir|{gif}|http://127.0.0.1:9/a.gif", "--cache-dir", "is a file, not a folder")] // once .NET's "The file '…' already exists."
    [DataRow("cache|stats|--cache-dir|{gif}", "--cache-dir", "is a file, not a folder")] // once "the folder does not exist"
    [DataRow("cache|clear|--cache-dir|{gif}", "--cache-dir", "is a file, not a folder")]
    [DataRow("cache|trim|--cache-dir|{gif}", "--cache-dir", "is a file, not a folder")]
    [DataRow("inspect|{gif}|--frames-dir|{gif}", "--frames-dir", "is a file, not a folder")]
    [DataRow("fetch|--concurrency|abc|not-a-url", "--concurrency", "'abc' is not a whole number")]
    [DataRow("fetch|http://127.0.0.1:9/a.gif|ftp://example.com/a.gif", "ftp://example.com/a.gif", "the 'ftp' scheme is not supported (http, https, file and data URLs are)")] // as inspect says; was a failed load (exit 1) pointing at ImageManager.Loaders
    [DataRow("cache|trim|--max-size|-5", "--max-size", "out of range: must be between 0 and 9,223,372,036,854,775,807 bytes, not -5")]
    [DataRow("play|--loops|abc|{gif}", "--loops", "'abc' is not a whole number")]

    // Numbers out of range say so and give the range, also those too large for the type ("not a number" before).
    [DataRow("fetch|--concurrency|0|not-a-url", "--concurrency", "out of range: must be between 1 and 256, not 0")]
    [DataRow("fetch|--concurrency|-5|not-a-url", "--concurrency", "out of range: must be between 1 and 256, not -5")]
    [DataRow("fetch|--concurrency|99999999999|not-a-url", "--concurrency", "out of range: must be between 1 and 256, not 99999999999")]
    [DataRow("play|{gif}|--loops|-1", "--loops", "out of range: must be between 0 (forever) and 2,147,483,647, not -1")]
    [DataRow("play|{gif}|--loops|99999999999", "--loops", "out of range: must be between 0 (forever) and 2,147,483,647, not 99999999999")]
    [DataRow("cache|trim|--max-size|99999999999999999999", "--max-size", "out of range: must be between 0 and 9,223,372,036,854,775,807 bytes, not 99999999999999999999")]
    [DataRow("cache|trim|--max-age|-1", "--max-age", "out of range: must be between 0 and 10,675,199 days, not -1")]
    [DataRow("cache|trim|--max-age|99999999", "--max-age", "out of range: must be between 0 and 10,675,199 days, not 99999999")]
    [DataRow("cache|trim|--max-age|1e10", "--max-age", "out of range: must be between 0 and 10,675,199 days, not 1e10")] // exponent notation was "not a number of days"
    [DataRow("cache|trim|--max-size|12abc", "--max-size", "'12abc' is not a number of bytes")]
    [DataRow("cache|trim|--max-age|NaN", "--max-age", "'NaN' is not a number of days")]

    [DataRow("play|{gif}|--no-render|--render|--rate|4", "usage", "--render and --no-render cannot be given together")]
    [DataRow("play|--rate|fast|{gif}", "usage", "'fast' for option '--rate' as a number.")]
    [DataRow("play|{gif}|--mode|play", "--mode", "not 'play'")] // the command's own name as the value passed the parser's check (a crash)
    [DataRow("play|{gif}|--mode|cache", "usage", "'cache' not recognized")] // other commands' names do not
    public async Task Run_UsageError_NamesTheOffendingToken(string commandLine, string source, string reason)
    {
        var args = commandLine.Replace("{gif}", s_gif, StringComparison.Ordinal).Split('|');

        var result = await CliRunner.RunAsync(args);

        result.AssertBadInput(source, reason);
    }

    [TestMethod]
    public async Task Play_RenderWithStatsJson_IsAUsageErrorRatherThanDrawingIntoTheJson()
    {
        // --stats-json prints exactly one JSON object on stdout; the drawing goes to stdout too, so both cannot be had.
        var result = await CliRunner.RunAsync("play", s_gif, "--loops", "1", "--render", "--stats-json");

        result.AssertBadInput("usage", "--render and --stats-json cannot be given together");
    }

    [TestMethod]
    public async Task Run_UsageErrorWithAControlCharacter_ShowsItEscapedInsteadOfSendingItToTheTerminal()
    {
        var result = await CliRunner.RunAsync("\u001b[31mred");

        result.AssertBadInput("usage", "'\\u001B[31mred'");
        Assert.DoesNotContain('\u001b', result.Stderr);
    }

    [TestMethod]
    public async Task Run_OptionLikeUrlAfterDoubleDash_IsTakenAsAnArgument()
    {
        var result = await CliRunner.RunAsync("fetch", "--", "--not-an-option");

        result.AssertBadInput("--not-an-option", "not an absolute URL");
    }

    [TestMethod]
    [DataRow("cache|trim|--bogus", "imagekit cache trim --help")]
    [DataRow("fetch|--concurrency", "imagekit fetch --help")]
    [DataRow("--bogus", "imagekit --help")]
    [DataRow("nosuchcommand", "imagekit --help")]
    [DataRow("play|{gif}|--render|--no-render", "imagekit play --help")] // the usage errors a command finds itself said "usage:" without the pointer
    [DataRow("play|{gif}|--render|--stats-json", "imagekit play --help")]
    [DataRow("fetch", "imagekit fetch --help")]
    [DataRow("inspect|", "imagekit inspect --help")]
    public async Task Run_UsageError_PointsToTheHelpOfTheCommandItWasIn(string commandLine, string help)
    {
        var result = await CliRunner.RunAsync(commandLine.Replace("{gif}", s_gif, StringComparison.Ordinal).Split('|'));

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        Assert.HasCount(1, result.StderrLines, result.Stderr);
        StringAssert.StartsWith(result.Stderr, "imagekit: usage: ");
        StringAssert.EndsWith(result.Stderr.TrimEnd(), $"(see '{help}')");
    }

    // "Required command was not provided." left a new user to find the commands in the help.
    [TestMethod]
    [DataRow("", "a command is required: demo, inspect, play, fetch, cache (see 'imagekit --help')")]
    [DataRow("cache", "a command is required: stats, clear, trim (see 'imagekit cache --help')")]
    [DataRow("--verbose", "a command is required: demo, inspect, play, fetch, cache (see 'imagekit --help')")]
    public async Task Run_NoCommand_NamesTheCommandsToChooseFrom(string commandLine, string reason)
    {
        var result = await CliRunner.RunAsync(commandLine.Split('|', StringSplitOptions.RemoveEmptyEntries));

        result.AssertBadInput("usage", reason);
    }
}
