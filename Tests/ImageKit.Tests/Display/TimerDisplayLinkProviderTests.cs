using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ImageKit.Display;
using ImageKit.Display.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Display;

// Counts the process's display-link threads, so nothing else may start one meanwhile.
[TestClass]
[DoNotParallelize]
public sealed class TimerDisplayLinkProviderTests
{
    private const string ThreadName = "ImageKit.DisplayLink";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-60.0)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    [DataRow(1_000_000.0)]
    public void Constructor_FrequencyOutOfRange_Throws(double frequencyHz)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimerDisplayLinkProvider(frequencyHz));
    }

    [TestMethod]
    public void Constructor_Default_Is60HzAndStartsNoThread()
    {
        var before = DisplayLinkCounters.LiveTimerThreads;
        using var provider = new TimerDisplayLinkProvider();

        Assert.AreEqual(60, provider.FrequencyHz);
        Assert.AreEqual(TimeSpan.FromSeconds(1 / 60.0), provider.GetDisplayLink().RefreshPeriod);
        Assert.IsFalse(provider.GetDisplayLink().IsRunning);
        Assert.AreEqual(before, DisplayLinkCounters.LiveTimerThreads);
    }

    [TestMethod]
    public void Subscribe_UntilFortyTicks_TicksAtTheFrequencyWithIncreasingTimestamps()
    {
        using var provider = new TimerDisplayLinkProvider(100);
        var period = TimeSpan.FromMilliseconds(10);
        var target = new RecordingTarget();

        using (provider.GetDisplayLink().Subscribe(target))
        {
            Assert.IsTrue(Leaks.Eventually(() => target.Count >= 40), $"ticks arrive ({target.Count} so far)");
        }

        var ticks = target.Snapshot();
        for (var i = 1; i < ticks.Length; i++)
        {
            Assert.IsTrue(ticks[i].Timestamp > ticks[i - 1].Timestamp, "timestamps increase");
        }

        Assert.IsTrue(ticks.All(t => t.TargetTimestamp > t.Timestamp), "the target is the next grid point, in the future");
        Assert.IsTrue(
            ticks.All(t => t.TargetTimestamp - t.Timestamp <= TimeSpan.FromMilliseconds(10.01)),
            "the next grid point is at most one period away");
        Assert.IsTrue(target.ThreadNames.All(n => n == ThreadName), "ticks arrive on the link's own thread");

        // The rate, read on the ticks' own clock rather than on a wall-clock window the test thread may overshoot on a
        // loaded machine: every grid point in the span was delivered or skipped (never lost), and never more ticks than
        // grid points (a tick is late by less than a period before the next one is skipped, hence the slack of a few).
        var spanInPeriods = (ticks[^1].Timestamp - ticks[0].Timestamp) / period;
        Assert.IsLessThan(spanInPeriods + 3, ticks.Length, $"{ticks.Length} ticks over {spanInPeriods:F1} periods: faster than the frequency");
        Assert.IsGreaterThan(spanInPeriods - 1, ticks.Length + provider.SkippedTicks, $"{ticks.Length} ticks and {provider.SkippedTicks} skipped over {spanInPeriods:F1} periods: grid points lost");
    }

    [TestMethod]
    public void Subscribe_ThreadExistsOnlyWhileSubscribed()
    {
        using var provider = new TimerDisplayLinkProvider();
        var link = provider.GetDisplayLink();
        var target = new RecordingTarget();
        AssertThreads(0, "idle: no thread at all");

        var subscription = link.Subscribe(target);
        Assert.IsTrue(Leaks.Eventually(() => target.Count > 0), "ticks arrive");
        AssertThreads(1, "one thread while subscribed");

        subscription.Dispose();
        Assert.AreEqual(0, DisplayLinkCounters.LiveTimerThreads, "the last unsubscription joins the thread");
        AssertThreads(0, "no thread after the last unsubscription");
        Assert.IsFalse(link.IsRunning);
    }

    [TestMethod]
    public void Subscribe_FiftyTargets_ShareOneThread()
    {
        using var provider = new TimerDisplayLinkProvider();
        var link = provider.GetDisplayLink();
        var targets = Enumerable.Range(0, 50).Select(_ => new RecordingTarget()).ToArray();
        var subscriptions = targets.Select(link.Subscribe).ToArray();

        Assert.IsTrue(Leaks.Eventually(() => targets.All(t => t.Count > 0)), "every target ticks");
        AssertThreads(1, "fifty subscribers cost one thread");
        Assert.AreEqual(50, link.SubscriberCount);

        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }

        AssertThreads(0, "none after the last one leaves");
    }

    [TestMethod]
    public void Subscribe_ThousandTargetsDropped_AreCollectedAndTheThreadExits()
    {
        using var provider = new TimerDisplayLinkProvider(200);
        var link = provider.GetDisplayLink();
        var weak = SubscribeAndDrop(link, 1000);
        Assert.IsTrue(Leaks.Eventually(() => link.IsRunning && DisplayLinkCounters.LiveTimerThreads == 1));

        Assert.IsTrue(Leaks.CollectUntil(() => weak.All(w => !w.IsAlive)), "the link keeps no target alive");
        Assert.IsTrue(Leaks.Eventually(() => link.SubscriberCount == 0 && !link.IsRunning), "the next tick drops them all");

        // A tick cannot join its own thread: the stop it asked for is applied from the thread pool, a moment later.
        Assert.IsTrue(Leaks.Eventually(() => DisplayLinkCounters.LiveTimerThreads == 0), "the thread exits");
        AssertThreads(0, "and the link stops its thread");
    }

    [TestMethod]
    public void Subscribe_AfterTheLinkStopped_StartsAgainOnANewThread()
    {
        using var provider = new TimerDisplayLinkProvider();
        var link = provider.GetDisplayLink();

        for (var run = 0; run < 3; run++)
        {
            var target = new RecordingTarget();
            using (link.Subscribe(target))
            {
                Assert.IsTrue(Leaks.Eventually(() => target.Count >= 2), $"run {run} ticks");
                AssertThreads(1, $"run {run} has its thread");
            }

            AssertThreads(0, $"run {run} stopped its thread");
            var count = target.Count;
            Thread.Sleep(50);
            Assert.AreEqual(count, target.Count, "no tick after the stop");
        }
    }

    [TestMethod]
    public void Dispose_WhileTicking_JoinsTheThreadAndNoTickFollows()
    {
        var provider = new TimerDisplayLinkProvider(500);
        var link = provider.GetDisplayLink();
        var target = new SlowTarget(TimeSpan.FromMilliseconds(1));
        _ = link.Subscribe(target);
        Assert.IsTrue(Leaks.Eventually(() => target.Count >= 5));

        provider.Dispose();
        target.DisposeReturned = true;

        Assert.AreEqual(0, DisplayLinkCounters.LiveTimerThreads, "Dispose returns after the thread has exited");
        Assert.IsFalse(target.InTick, "no tick is running when Dispose returns");
        Thread.Sleep(50);
        Assert.AreEqual(0, target.TicksAfterDispose);
        Assert.IsFalse(link.IsRunning);
        Assert.Throws<ObjectDisposedException>(() => link.Subscribe(target));
        Assert.Throws<ObjectDisposedException>(() => provider.GetDisplayLink());
        provider.Dispose();
        AssertThreads(0, "the OS thread is gone too");
    }

    [TestMethod]
    public void Dispose_FromInsideATick_StopsTheThreadWithoutDeadlock()
    {
        var provider = new TimerDisplayLinkProvider();
        var target = new DisposingTarget(provider);
        _ = provider.GetDisplayLink().Subscribe(target);

        Assert.IsTrue(Leaks.Eventually(() => target.Disposed), "the tick disposed the provider");
        Assert.IsTrue(Leaks.Eventually(() => DisplayLinkCounters.LiveTimerThreads == 0), "the thread is stopped from the pool");
        Assert.AreEqual(1, target.Count, "no tick after the one that disposed");
        AssertThreads(0, "no thread left");
    }

    [TestMethod]
    public void Tick_AfterAStallLongerThanAPeriod_SkipsAheadInsteadOfBursting()
    {
        using var provider = new TimerDisplayLinkProvider(100);
        var target = new StallingTarget(stallOnTick: 3, TimeSpan.FromMilliseconds(120));
        using (provider.GetDisplayLink().Subscribe(target))
        {
            Assert.IsTrue(Leaks.Eventually(() => target.Count >= 8));
        }

        // Catching up tick by tick would deliver ~11 stale ticks back to back. The thread delivers a grid point it is
        // late for by at most a period and skips the rest, so a tick is never later than a period past the grid point
        // after its own, and any four ticks in a row span at least a period, however the thread is scheduled (a count of
        // back-to-back pairs is not that: on a loaded machine each late wake-up may add one).
        var ticks = target.Snapshot();
        var period = TimeSpan.FromMilliseconds(10);
        for (var i = 3; i < ticks.Length; i++)
        {
            var span = ticks[i].Timestamp - ticks[i - 3].Timestamp;
            Assert.IsGreaterThanOrEqualTo(period - TimeSpan.FromMilliseconds(0.1), span, $"ticks {i - 3}..{i} came in a burst ({span.TotalMilliseconds:F2} ms)");
        }

        Assert.IsGreaterThanOrEqualTo(11, provider.SkippedTicks, $"the grid points missed in the 120 ms stall were skipped ({provider.SkippedTicks})");
    }

    private static void AssertThreads(int expected, string message)
    {
        Assert.AreEqual(expected, DisplayLinkCounters.LiveTimerThreads, message + " (live thread counter)");

        // The OS forgets an exited thread a moment after its managed Join returns.
        if (Leaks.CountThreadsNamed(ThreadName) is not null)
        {
            Assert.IsTrue(
                Leaks.Eventually(() => Leaks.CountThreadsNamed(ThreadName) == expected),
                $"{message} (OS threads named {ThreadName}: {Leaks.CountThreadsNamed(ThreadName)})");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] SubscribeAndDrop(DisplayLink link, int count)
    {
        var weak = new WeakReference[count];
        for (var i = 0; i < count; i++)
        {
            var target = new RecordingTarget();
            _ = link.Subscribe(target);
            weak[i] = new WeakReference(target);
        }

        return weak;
    }

    private class RecordingTarget : IDisplayLinkTarget
    {
        private readonly ConcurrentQueue<DisplayLinkTick> _ticks = new();

        public int Count => _ticks.Count;

        public ConcurrentBag<string?> ThreadNames { get; } = [];

        public DisplayLinkTick[] Snapshot() => [.. _ticks];

        public virtual void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            _ticks.Enqueue(tick);
            if (_ticks.Count < 5)
            {
                ThreadNames.Add(Thread.CurrentThread.Name);
            }
        }
    }

    private sealed class SlowTarget(TimeSpan busy) : RecordingTarget
    {
        private int _ticksAfterDispose;

        public volatile bool DisposeReturned;
        public volatile bool InTick;

        public int TicksAfterDispose => Volatile.Read(ref _ticksAfterDispose);

        public override void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            InTick = true;
            if (DisposeReturned)
            {
                Interlocked.Increment(ref _ticksAfterDispose);
            }

            base.OnDisplayLinkTick(tick);
            Thread.Sleep(busy);
            InTick = false;
        }
    }

    private sealed class StallingTarget(int stallOnTick, TimeSpan stall) : RecordingTarget
    {
        public override void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            base.OnDisplayLinkTick(tick);
            if (Count == stallOnTick)
            {
                Thread.Sleep(stall);
            }
        }
    }

    private sealed class DisposingTarget(DisplayLinkProvider provider) : IDisplayLinkTarget
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public bool Disposed { get; private set; }

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            Interlocked.Increment(ref _count);
            provider.Dispose();
            Disposed = true;
        }
    }
}
