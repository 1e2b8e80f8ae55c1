using ImageKit.Display;

namespace ImageKit.Tests.Display;

/// <summary>
/// A link's stop never runs on a thread that is delivering one of its ticks (a timer link's stop joins its tick thread:
/// there it would wait for itself for ever), also when the unsubscribe comes from a tick of another link delivered inside
/// one of this link's ticks (a tick handler that advances a virtual clock, or ticks a manual link, on the same thread).
/// </summary>
[TestClass]
public sealed class DisplayLinkNestedTickTests
{
    private static readonly TimeSpan s_safety = TimeSpan.FromSeconds(30);

    [TestMethod]
    public void Unsubscribe_LastSubscriberFromAnotherLinksTickInsideThisLinksTick_StopsOffThisLinksTickThread()
    {
        using var outer = new ThreadCheckingLink();
        using var inner = new ThreadCheckingLink();
        IDisposable? outerSubscription = null;
        using var innerSubscription = inner.Subscribe(new ActionTarget(() => outerSubscription!.Dispose()));
        outerSubscription = outer.Subscribe(new ActionTarget(inner.Tick)); // outer's tick delivers one of inner's

        outer.Tick();

        Assert.IsTrue(SpinWait.SpinUntil(() => outer.Stops == 1, s_safety), "the link lost its last subscriber and stops");
        Assert.AreEqual(0, outer.StopsOnItsTickThread, "the stop ran on the thread delivering the link's own tick");
        Assert.IsFalse(outer.IsRunning);
    }

    /// <summary>A link that ticks when told, on the caller's thread, and notes a stop made while that thread is delivering its tick.</summary>
    private sealed class ThreadCheckingLink : DisplayLink
    {
        private int _tickThread = -1;
        private int _stops;
        private int _stopsOnItsTickThread;

        public int Stops => Volatile.Read(ref _stops);

        public int StopsOnItsTickThread => Volatile.Read(ref _stopsOnItsTickThread);

        public override TimeSpan RefreshPeriod => TimeSpan.FromMilliseconds(16);

        public void Tick()
        {
            Volatile.Write(ref _tickThread, Environment.CurrentManagedThreadId);
            try
            {
                DispatchTick(new DisplayLinkTick(TimeSpan.Zero, RefreshPeriod));
            }
            finally
            {
                Volatile.Write(ref _tickThread, -1);
            }
        }

        protected override void StartCore()
        {
        }

        protected override void StopCore()
        {
            if (Volatile.Read(ref _tickThread) == Environment.CurrentManagedThreadId)
            {
                Interlocked.Increment(ref _stopsOnItsTickThread);
            }

            Interlocked.Increment(ref _stops);
        }
    }

    private sealed class ActionTarget(Action onTick) : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick) => onTick();
    }
}
