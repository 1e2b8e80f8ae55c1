using ImageKit.Caching;

namespace ImageKit.Tests.Cli;

/// <summary>What <c>--help</c> tells a new user: the defaults and limits each option has, worded alike across commands.</summary>
[TestClass]
public sealed class HelpTextTests
{
    [TestMethod]
    [DataRow("fetch")]
    [DataRow("cache", "stats")]
    [DataRow("cache", "clear")]
    [DataRow("cache", "trim")]
    public async Task CacheDirHelp_NamesTheDefaultFolderItself(params string[] command)
    {
        var result = await CliRunner.RunAsync([.. command, "--help"]);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var line = OptionLine(result.Stdout, "--cache-dir");
        StringAssert.Contains(line, $"The disk cache folder. Default: {DiskImageCache.DefaultDirectory} (the per-user cache folder).");
    }

    [TestMethod]
    public async Task PlayHelp_StatesTheLimitsAndDefaultsOfItsNumbers()
    {
        var result = await CliRunner.RunAsync("play", "--help");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(OptionLine(result.Stdout, "--loops"), "How many times to play the animation (0 = forever). Default: the image's own loop count.");
        StringAssert.Contains(OptionLine(result.Stdout, "--rate"), "above 0, at most 100");
        StringAssert.Contains(OptionLine(result.Stdout, "--seconds"), "at most 4,294,967");
        StringAssert.Contains(OptionLine(result.Stdout, "--seconds"), "Default: until the loops end");
    }

    // inspect and play read file: URLs (file:///path, file://localhost/path) as fetch does; their help and their refusal
    // of another scheme named only http(s) and data: URLs and file paths.
    [TestMethod]
    [DataRow("inspect")]
    [DataRow("play")]
    public async Task InputHelpAndUnsupportedScheme_NameFileUrlsWhichAreRead(string command)
    {
        var help = await CliRunner.RunAsync(command, "--help");
        var ftp = await CliRunner.RunAsync(command, "ftp://example.com/a.gif");

        Assert.AreEqual(0, help.ExitCode, help.Stderr);
        StringAssert.Contains(help.Stdout, "An image file, an http(s), file: or data: URL, or - for standard input.");
        ftp.AssertBadInput("ftp://example.com/a.gif", "the 'ftp' scheme is not supported (http, https, file and data URLs and file paths are)");
    }

    [TestMethod]
    public async Task RootHelp_ListsTheCommandsInTheReadmesOrder()
    {
        var result = await CliRunner.RunAsync("--help");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var commands = result.Stdout[result.Stdout.IndexOf("Commands:", StringComparison.Ordinal)..]
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Skip(1)
            .Select(static l => l.Split(' ')[0])
            .ToArray();
        CollectionAssert.AreEqual(new[] { "demo", "inspect", "play", "fetch", "cache" }, commands);
    }

    // The help line of an option, from its name to the end of its description.
    private static string OptionLine(string help, string option) =>
        help.Split('\n').Single(l => l.TrimStart().StartsWith(option + " ", StringComparison.Ordinal) || l.Contains(", " + option + " ", StringComparison.Ordinal));
}
