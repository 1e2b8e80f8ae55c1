using ImageKit.Cli.Output;

namespace ImageKit.Tests.Cli;

/// <summary>Counts and sizes as the CLI prints them.</summary>
[TestClass]
public sealed class QuantityTests
{
    [TestMethod]
    [DataRow(0L, "0 KiB")]
    [DataRow(1024L, "1 KiB")]
    [DataRow(1536L, "1.5 KiB")]
    [DataRow(1048472L, "1023.9 KiB")]
    [DataRow(1048524L, "1023.9 KiB")]
    [DataRow(1048525L, "1 MiB")] // 1023.95 KiB rounds to 1024 KiB: that is a mebibyte
    [DataRow(1048575L, "1 MiB")]
    [DataRow(1048576L, "1 MiB")]
    [DataRow(1572864L, "1.5 MiB")]
    public void Size_AtAndAroundTheUnitBoundary_NeverShows1024KiB(long bytes, string expected)
    {
        Assert.AreEqual(expected, Quantity.Size(bytes));
    }

    [TestMethod]
    [DataRow(1L, "1 entry")]
    [DataRow(0L, "0 entries")]
    [DataRow(1024L, "1,024 entries")]
    public void Of_Count_TakesTheSingularOnlyForOne(long count, string expected)
    {
        Assert.AreEqual(expected, Quantity.Of(count, "entry", "entries"));
    }
}
