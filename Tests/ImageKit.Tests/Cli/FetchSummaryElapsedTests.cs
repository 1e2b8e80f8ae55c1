using ImageKit.Cli.Fetching;

namespace ImageKit.Tests.Cli;

/// <summary>The time <c>fetch</c> and <c>demo</c> print: hundredths below 10 ms, whole milliseconds from there.</summary>
[TestClass]
public sealed class FetchSummaryElapsedTests
{
    [TestMethod]
    [DataRow(0.5, "0.50 ms")]
    [DataRow(9.99, "9.99 ms")]
    [DataRow(9.996, "9.99 ms")] // cut, as the whole milliseconds (and --json's elapsedMs, 9) are: not "10.00 ms"
    [DataRow(9.9999, "9.99 ms")]
    [DataRow(0.129, "0.12 ms")]
    [DataRow(10.0, "10 ms")]
    [DataRow(1234.7, "1234 ms")]
    public void ElapsedText_AtAndAroundTenMilliseconds_ShowsHundredthsOnlyBelowTen(double milliseconds, string expected)
    {
        var summary = new FetchSummary([], TimeSpan.FromTicks((long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond)));

        Assert.AreEqual(expected, summary.ElapsedText);
    }
}
