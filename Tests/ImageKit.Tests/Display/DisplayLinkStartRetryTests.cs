using System.Runtime.CompilerServices;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Display;

/// <summary>
/// A failed start is tried again later on a timer thread, where nothing may be thrown: an exception there ends the
/// process. That includes the stop the retry makes when it finds that every subscriber left is a collected target.
/// </summary>
[TestClass]
public sealed class DisplayLinkStartRetryTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The retry of a failed start is still pending when another subscriber starts the link, and finds, when it runs,
    /// only that subscriber's target, collected (no tick came to notice it). It stops the link there, on its timer
    /// thread: a backend stop that fails must be counted in <see cref="DisplayLink.FailedTransitions"/> and left for the
    /// next tick to retry, not thrown on the timer thread (which took the test host down).
    /// </summary>
    [TestMethod]
    public void StartRetry_FindingOnlyCollectedTargetsOnARunningLink_CountsAFailedStopAndTheNextTickStopsIt()
    {
        RetryLink? link = null;
        var ready = false;
        for (var attempt = 0; attempt < 20 && !ready; attempt++)
        {
            DisposeFailingStop(link);
            link = new RetryLink { FailStops = 1 };
            Assert.ThrowsExactly<InvalidOperationException>(() => link.Subscribe(new NullTarget()), "the first start fails");
            var dropped = SubscribeAndDrop(link); // the second start succeeds: the link runs
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            // The retry (50 ms after the failure) must not have run before the target was collected; otherwise, again.
            ready = !dropped.IsAlive && link.StartRetryPending && link.CoreRunning;
        }

        Assert.IsTrue(ready, "set-up: a retry pending on a running link whose one target has been collected");
        using (link)
        {
            Assert.IsTrue(Leaks.Eventually(() => !link!.StartRetryPending && link.FailedTransitions == 1, s_wait), "the retry's failed stop is counted");
            Assert.AreEqual(0, link!.SubscriberCount, "the collected target's subscription ended");
            Assert.IsTrue(link.CoreRunning, "the backend could not stop");

            link.Tick(); // a tick with nobody subscribed tries the stop again
            Assert.IsTrue(Leaks.Eventually(() => !link.CoreRunning && !link.IsRunning, s_wait), "the next tick stops the link");
        }
    }

    // A set-up attempt that missed: its link's stop fails once, thrown to the caller.
    private static void DisposeFailingStop(RetryLink? link)
    {
        try
        {
            link?.Dispose();
        }
        catch (InvalidOperationException)
        {
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference SubscribeAndDrop(DisplayLink link)
    {
        var target = new NullTarget();
        _ = link.Subscribe(target);
        return new WeakReference(target);
    }

    /// <summary>Ticks when told. Its first start throws, later ones succeed; its first <see cref="FailStops"/> stops throw.</summary>
    private sealed class RetryLink : DisplayLink
    {
        private int _starts;
        private int _failStops;
        private volatile bool _coreRunning;

        public int FailStops
        {
            get => Volatile.Read(ref _failStops);
            init => _failStops = value;
        }

        public bool CoreRunning => _coreRunning;

        public override TimeSpan RefreshPeriod => TimeSpan.FromMilliseconds(16);

        public void Tick() => DispatchTick(new DisplayLinkTick(TimeSpan.Zero, RefreshPeriod));

        protected override void StartCore()
        {
            if (Interlocked.Increment(ref _starts) == 1)
            {
                throw new InvalidOperationException("the display went away");
            }

            _coreRunning = true;
        }

        protected override void StopCore()
        {
            if (Interlocked.Decrement(ref _failStops) >= 0)
            {
                throw new InvalidOperationException("the backend could not stop");
            }

            _coreRunning = false;
        }
    }

    private sealed class NullTarget : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
        }
    }
}
