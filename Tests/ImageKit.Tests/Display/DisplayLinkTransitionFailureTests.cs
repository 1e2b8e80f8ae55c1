using ImageKit.Display;

namespace ImageKit.Tests.Display;

/// <summary>
/// A backend start or stop that fails on the caller's thread is thrown to that caller. A subscriber that joined a start
/// while it was in progress must not be left subscribed to a link that never started (it would wait for ticks for ever).
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

    /// <summary>Its first start waits for <see cref="ReleaseFirstStart"/> and throws; later starts succeed (or fail, with <see cref="LaterStartsFail"/>).</summary>
    private sealed class GatedFailingLink : DisplayLink
    {
        private int _starts;

        public ManualResetEventSlim FirstStartEntered { get; } = new();

        public ManualResetEventSlim ReleaseFirstStart { get; } = new();

        public bool LaterStartsFail { get; init; }

        public int Starts => Volatile.Read(ref _starts);

        public bool CoreRunning { get; private set; }

        public override TimeSpan RefreshPeriod => TimeSpan.FromMilliseconds(16);

        protected override void StartCore()
        {
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

        protected override void StopCore() => CoreRunning = false;

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

    private sealed class NullTarget : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
        }
    }
}
