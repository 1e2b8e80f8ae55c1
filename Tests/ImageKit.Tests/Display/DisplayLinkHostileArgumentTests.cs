using ImageKit.Display;

namespace ImageKit.Tests.Display;

/// <summary>Periods and frequencies the display link providers accept by type but cannot honour.</summary>
[TestClass]
public sealed class DisplayLinkHostileArgumentTests
{
    [TestMethod]
    [DataRow(1e-12)]
    [DataRow(double.Epsilon)]
    public void TimerDisplayLinkProvider_TinyPositiveFrequency_ThrowsArgumentOutOfRange(double frequencyHz)
    {
        // 1 / frequency seconds does not fit a TimeSpan: an OverflowException today.
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TimerDisplayLinkProvider(frequencyHz).Dispose());
        Assert.AreEqual("frequencyHz", e.ParamName);
    }

    [TestMethod]
    public void ManualDisplayLinkProvider_RefreshPeriodBeyondTimerRange_ThrowsAtConstruction()
    {
        // Accepted today; the first Play then fails with the timer's ArgumentOutOfRangeException for "dueTime", and Tick()
        // overflows (now + TimeSpan.MaxValue).
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ManualDisplayLinkProvider(TimeProvider.System, TimeSpan.MaxValue).Dispose());
        Assert.AreEqual("refreshPeriod", e.ParamName);
    }
}
