using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// <c>imagekit play</c> reads <c>--rate</c> and <c>--seconds</c> with a decimal point only: a decimal comma, as typed in
/// many countries, is bad input (exit 2, one line), where "2,5" was read as 25 (a thousands separator) and played.
/// </summary>
[TestClass]
public sealed class PlayDecimalCommaTests
{
    [TestMethod]
    [DataRow("--rate", "2,5")]
    [DataRow("--seconds", "0,1")]
    public async Task Play_NumberWithADecimalComma_IsRefused(string option, string value)
    {
        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--loops", "1", "--no-render", option, value);

        Assert.AreEqual(2, result.ExitCode, result.Stdout + result.Stderr);
        Assert.AreEqual(string.Empty, result.Stdout);
        Assert.HasCount(1, result.StderrLines, result.Stderr);
        StringAssert.Contains(result.StderrLines[0], option);
        StringAssert.Contains(result.StderrLines[0], $"'{value}'");
    }
}
