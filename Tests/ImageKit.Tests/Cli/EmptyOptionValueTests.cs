using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// <c>--option=</c> with nothing after the <c>=</c> (a shell variable that was empty: <c>--cache-dir="$DIR"</c>) is an empty
/// value, bad input as <c>--option ""</c> is: not the option alone, which took the next argument as its value.
/// </summary>
[TestClass]
public sealed class EmptyOptionValueTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("fetch|--concurrency=|3|data:,a", "--concurrency")]
    [DataRow("fetch|--list=|{list}", "--list")]
    [DataRow("cache|stats|--cache-dir=|{folder}", "--cache-dir")]
    [DataRow("inspect|--frames-dir=|{folder}|data:,a", "--frames-dir")]
    public async Task EmptyValueAfterTheEqualsSign_IsBadInputAndTheNextArgumentIsNotTakenAsTheValue(string line, string option)
    {
        using var folder = new TempFolder();
        var list = folder.Combine("urls.txt");
        await File.WriteAllTextAsync(list, "data:,x\n", TestContext.CancellationToken);
        var args = line.Split('|')
            .Select(a => a.Replace("{list}", list, StringComparison.Ordinal).Replace("{folder}", folder.Path, StringComparison.Ordinal))
            .ToArray();

        var result = await CliRunner.RunAsync(args);

        result.AssertBadInput(option, "");
    }
}
