using ImageKit.Display;

namespace ImageKit.Tests.Display;

/// <summary>
/// A backend start or stop that fails on the caller's thread is thrown to that caller. A subscriber that joined a start
/// while it was in progress must not be left subscribed to a link that never started (it would wait for ticks for ever),
/// and a backend that failed to stop must not tick for ever with nobody subscribed.
/// </summary>
[TestClass]
public sealed class DisplayLinkTransitionFailureTests
{
    private static readonly TimeSpan s_safety = TimeSpan.FromSeconds(30);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Subscribe_JoiningAStartThatFails_StartsTheLinkItselfOrThrows()
    {
        using var link = new GatedFailingLink();
        var first = new NullTarget();
        var second = new NullTarget();

        var failing = Task.Run(() => Assert.ThrowsExactly<InvalidOperationException>(() => link.Subscribe(first)), TestContext.CancellationToken);
        Assert.IsTrue(link.FirstStartEntered.Wait(s_safety, TestContext.CancellationToken), "the first Subscribe is starting the backend");

        // The second subscriber is listed while the first start is still in progress.
        var joining = Task.Run(() => link.Subscribe(second), TestContext.CancellationToken);
        Assert.IsTrue(SpinWait.SpinUntil(() => link.SubscriberCount == 2 || joining.IsCompleted, s_safety));

        link.ReleaseFirstStart.Set(); // the first start fails now
        await failing;
        using var subscription = await joining; // returned normally: the caller was told it is subscribed

        Assert.AreEqual(1, link.SubscriberCount);
        Assert.IsTrue(link.IsRunning, $"a subscriber that was told it is subscribed waits on a stopped link (starts {link.Starts})");
        Assert.IsTrue(link.CoreRunning, "the backend runs");
    }

    [TestMethod]
    public async Task Subscribe_JoiningAStartThatFailsAgain_ThrowsAndLeavesTheLinkIdle()
    {
        using var link = new GatedFailingLink { LaterStartsFail = true };
        var first = new NullTarget();
        var second = new NullTarget();

        var failing = Task.Run(() => Assert.ThrowsExactly<InvalidOperationException>(() => link.Subscribe(first)), TestContext.CancellationToken);
        Assert.IsTrue(link.FirstStartEntered.Wait(s_safety, TestContext.CancellationToken));
        var joining = Task.Run(
            () =>
            {
                try
                {
                    link.Subscribe(second).Dispose();
                    return false;
                }
                catch (InvalidOperationException)
                {
                    return true;
                }
            },
            TestContext.CancellationToken);
        Assert.IsTrue(SpinWait.SpinUntil(() => link.SubscriberCount == 2 || joining.IsCompleted, s_safety));

        link.ReleaseFirstStart.Set();
        await failing;
        var threw = await joining;

        Assert.IsTrue(threw || link.Starts == 1, "the joining Subscribe either tried the backend itself and was told it failed, or never waited");
        Assert.AreEqual(0, link.SubscriberCount);
        Assert.IsFalse(link.IsRunning);
        Assert.IsFalse(link.CoreRunning);
    }

    [TestMethod]
    [DataRow(true, DisplayName = "stops on its tick thread")]
    [DataRow(false, DisplayName = "stops off its tick thread")]
    public void Unsubscribe_LastSubscriberWhileTheBackendFailsToStop_ALaterTickStopsIt(bool stopsOnTickThread)
    {
        using var link = new FailingStopLink(stopsOnTickThread) { FailStops = 1 };
        var subscription = link.Subscribe(new NullTarget());

        Assert.ThrowsExactly<InvalidOperationException>(subscription.Dispose, "the failure reaches the caller");
        Assert.IsTrue(link.CoreRunning, "the backend still runs");

        link.Tick();
        Assert.IsTrue(
            SpinWait.SpinUntil(() => !link.CoreRunning, s_safety),
            "the backend still ticks with nobody subscribed: nothing will ever stop it");
        Assert.IsFalse(link.IsRunning);
        Assert.AreEqual(2, link.Stops);
    }

    [TestMethod]
    public void Dispose_WhileTheBackendFailsToStop_ALaterTickStopsIt()
    {
        var link = new FailingStopLink(stopsOnTickThread: false) { FailStops = 1 };
        _ = link.Subscribe(new NullTarget());

        Assert.ThrowsExactly<InvalidOperationException>(link.Dispose);
        Assert.IsTrue(link.CoreRunning, "the backend still runs");

        link.Tick();
        Assert.IsTrue(
            SpinWait.SpinUntil(() => !link.CoreRunning, s_safety),
            "a disposed link's backend still ticks: nothing will ever stop it");
        Assert.AreEqual(2, link.Stops);
    }

    [TestMethod]
    public void Subscribe_FromATickWhileAnotherThreadsStartFails_IsNotLeftOnAStoppedLink()
    {
        using var link = new GatedFailingLink();
        using var stopped = new ManualResetEventSlim();
        using var bSubscribed = new ManualResetEventSlim();
        IDisposable? tickSubscription = null;
        IDisposable? fromTick = null;
        var fromTickTarget = new NullTarget();

        // The only subscriber leaves from its tick (the stop goes to the thread pool), waits for that stop, lets another
        // thread subscribe (its start is held, then fails), and subscribes from the tick meanwhile: the link is starting,
        // so that Subscribe, on the tick thread, does not wait for the start.
        var ticking = new ActionTarget(() =>
        {
            tickSubscription!.Dispose();
            Assert.IsTrue(SpinWait.SpinUntil(() => link.Stops == 1, s_safety), "the deferred stop ran");
            stopped.Set();
            Assert.IsTrue(link.FirstStartEntered.Wait(s_safety), "the other thread's start is under way");
            fromTick = link.Subscribe(fromTickTarget);
            bSubscribed.Set();
        });
        link.SkipFirstStart = true; // this subscription's start succeeds; the next one is the held, failing one
        tickSubscription = link.Subscribe(ticking);
        var tick = new Thread(link.Tick);
        tick.Start();
        Assert.IsTrue(stopped.Wait(s_safety, TestContext.CancellationToken));

        var other = new Thread(() => Assert.ThrowsExactly<InvalidOperationException>(() => link.Subscribe(new NullTarget())));
        other.Start();
        Assert.IsTrue(bSubscribed.Wait(s_safety, TestContext.CancellationToken), "subscribed from the tick");
        link.ReleaseFirstStart.Set();
        Assert.IsTrue(other.Join(s_safety) && tick.Join(s_safety), "hang guard");

        Assert.IsTrue(
            SpinWait.SpinUntil(() => link.IsRunning && link.CoreRunning, s_safety),
            $"the subscriber from the tick waits on a stopped link (starts {link.Starts})");
        Assert.AreEqual(1, link.SubscriberCount);
        fromTick!.Dispose();
    }

    /// <summary>A link that ticks when told; its first <see cref="FailStops"/> stops throw and leave the backend running.</summary>
    private sealed class FailingStopLink(bool stopsOnTickThread) : DisplayLink
    {
        private int _failStops;
        private int _stops;
        private volatile bool _coreRunning;

        public int FailStops
        {
            get => Volatile.Read(ref _failStops);
            init => _failStops = value;
        }

        public int Stops => Volatile.Read(ref _stops);

        public bool CoreRunning => _coreRunning;

        public override TimeSpan RefreshPeriod => TimeSpan.FromMilliseconds(16);

        protected override bool CanStopOnTickThread => stopsOnTickThread;

        public void Tick() => DispatchTick(new DisplayLinkTick(TimeSpan.Zero, RefreshPeriod));

        protected override void StartCore() => _coreRunning = true;

        protected override void StopCore()
        {
            Interlocked.Increment(ref _stops);
            if (Interlocked.Decrement(ref _failStops) >= 0)
            {
                throw new InvalidOperationException("the backend could not stop");
            }

            _coreRunning = false;
        }
    }

    /// <summary>Its first start waits for <see cref="ReleaseFirstStart"/> and throws; later starts succeed (or fail, with <see cref="LaterStartsFail"/>).</summary>
    private sealed class GatedFailingLink : DisplayLink
    {
        private int _starts;
        private int _stops;

        /// <summary>The very first start succeeds at once; the held, failing one is the next.</summary>
        public bool SkipFirstStart { get; set; }

        public int Stops => Volatile.Read(ref _stops);

        public void Tick() => DispatchTick(new DisplayLinkTick(TimeSpan.Zero, RefreshPeriod));

        public ManualResetEventSlim FirstStartEntered { get; } = new();

        public ManualResetEventSlim ReleaseFirstStart { get; } = new();

        public bool LaterStartsFail { get; init; }

        public int Starts => Volatile.Read(ref _starts);

        public bool CoreRunning { get; private set; }

        public override TimeSpan RefreshPeriod => TimeSpan.FromMilliseconds(16);

        protected override void StartCore()
        {
            if (SkipFirstStart)
            {
                SkipFirstStart = false;
                CoreRunning = true;
                return;
            }

            if (Interlocked.Increment(ref _starts) == 1)
            {
                FirstStartEntered.Set();
                ReleaseFirstStart.Wait(s_safety);
                throw new InvalidOperationException("the display went away");
            }

            if (LaterStartsFail)
            {
                throw new InvalidOperationException("the display is still away");
            }

            CoreRunning = true;
        }

        protected override void StopCore()
        {
            Interlocked.Increment(ref _stops);
            CoreRunning = false;
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                FirstStartEntered.Dispose();
                ReleaseFirstStart.Dispose();
            }
        }
    }

    private sealed class ActionTarget(Action onTick) : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick) => onTick();
    }

    private sealed class NullTarget : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
        }
    }
}
