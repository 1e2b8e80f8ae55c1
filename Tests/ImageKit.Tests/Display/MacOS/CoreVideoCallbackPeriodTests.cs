using System.Collections.Concurrent;
using ImageKit.Display;
using ImageKit.Display.MacOS;

namespace ImageKit.Tests.Display.MacOS;

/// <summary>
/// A CoreVideo callback touches CoreVideo only for its autorelease pool: when its output time has no host time, the
/// frame period comes from the callback's own timestamps or the link's last known period, and a target reading
/// <see cref="DisplayLink.RefreshPeriod"/> from inside a tick gets the last known period. CoreVideo may hold a lock of
/// its own around the callback; a query that waited for it from inside the callback would never return.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class CoreVideoCallbackPeriodTests
{
    private static readonly TimeSpan s_sixtyHertz = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60);

    [TestMethod]
    public void Callback_OutputWithoutHostTime_TakesTheTimestampsOwnVideoPeriodAndCallsNoCoreVideo()
    {
        using var fake = new FakeCoreVideo { AutoTick = false, ActualPeriodSeconds = 0.05 };
        using var provider = new CVDisplayLinkProvider(fake);
        var target = new Recording();
        using var subscription = provider.GetDisplayLink().Subscribe(target);

        // No host times, but video times: 10 units of 1/600 s.
        Assert.AreEqual(0, fake.InvokeCallback(validTimes: false, videoTimes: true));

        var tick = target.Ticks.Single();
        Assert.AreEqual(s_sixtyHertz.TotalMilliseconds, (tick.TargetTimestamp - tick.Timestamp).TotalMilliseconds, 0.001);
        Assert.AreEqual(0, fake.Count("GetActualPeriod") + fake.Count("GetNominalPeriod"), string.Join(",", fake.Calls));
        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations));
    }

    [TestMethod]
    public void Callback_NoValidTimesAtAll_TakesTheLastPeriodKnownOutsideTheCallback()
    {
        using var fake = new FakeCoreVideo { AutoTick = false, ActualPeriodSeconds = 0.05 };
        using var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();
        var target = new Recording();
        using var subscription = link.Subscribe(target);
        Assert.AreEqual(TimeSpan.FromMilliseconds(50), link.RefreshPeriod, "asked outside a callback, CoreVideo answers");
        var queries = fake.Count("GetActualPeriod");

        Assert.AreEqual(0, fake.InvokeCallback(validTimes: false));

        var tick = target.Ticks.Single();
        Assert.AreEqual(TimeSpan.FromMilliseconds(50), tick.TargetTimestamp - tick.Timestamp);
        Assert.AreEqual(queries, fake.Count("GetActualPeriod"));
        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations));
    }

    [TestMethod]
    public void RefreshPeriod_ReadByATargetInsideItsTick_IsTheLastKnownPeriodWithoutAskingCoreVideo()
    {
        using var fake = new FakeCoreVideo { AutoTick = false, ActualPeriodSeconds = 0.025 };
        using var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();
        Assert.AreEqual(TimeSpan.FromMilliseconds(25), link.RefreshPeriod);
        var target = new ReadingPeriod(link);
        using var subscription = link.Subscribe(target);
        fake.ActualPeriodSeconds = 0.04;

        Assert.AreEqual(0, fake.InvokeCallback());

        Assert.AreEqual(TimeSpan.FromMilliseconds(25), target.Periods.Single());
        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations));
        Assert.AreEqual(TimeSpan.FromMilliseconds(40), link.RefreshPeriod, "outside the callback CoreVideo is asked again");
    }

    private sealed class Recording : IDisplayLinkTarget
    {
        public ConcurrentQueue<DisplayLinkTick> Ticks { get; } = new();

        public void OnDisplayLinkTick(DisplayLinkTick tick) => Ticks.Enqueue(tick);
    }

    private sealed class ReadingPeriod(DisplayLink link) : IDisplayLinkTarget
    {
        public ConcurrentQueue<TimeSpan> Periods { get; } = new();

        public void OnDisplayLinkTick(DisplayLinkTick tick) => Periods.Enqueue(link.RefreshPeriod);
    }
}
