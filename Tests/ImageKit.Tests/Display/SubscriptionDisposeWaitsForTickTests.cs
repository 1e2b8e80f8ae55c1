using ImageKit.Display;

namespace ImageKit.Tests.Display;

/// <summary>
/// Disposing a subscription from another thread returns only once a tick being delivered to its target has returned, so
/// that after it the target is never called again; from inside the target's own tick it does not wait for itself.
/// </summary>
[TestClass]
public sealed class SubscriptionDisposeWaitsForTickTests
{
    private static readonly TimeSpan s_safety = TimeSpan.FromSeconds(30);

    // Time given to a wrong Dispose to return while the tick is held; a correct one never returns in it.
    private static readonly TimeSpan s_chanceToReturn = TimeSpan.FromMilliseconds(300);

    [TestMethod]
    public void Dispose_WhileItsTargetTicksOnAnotherThread_ReturnsOnlyAfterTheTick()
    {
        using var link = new TickOnDemandLink();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var tickDone = false;
        var target = new Target(() =>
        {
            entered.Set();
            release.Wait(s_safety);
            Volatile.Write(ref tickDone, true);
        });
        var subscription = link.Subscribe(target);
        var ticker = new Thread(link.Tick);
        ticker.Start();
        Assert.IsTrue(entered.Wait(s_safety), "the target's tick is running");

        var doneWhenDisposeReturned = false;
        var disposer = new Thread(() =>
        {
            subscription.Dispose();
            doneWhenDisposeReturned = Volatile.Read(ref tickDone);
        });
        disposer.Start();

        Assert.IsFalse(disposer.Join(s_chanceToReturn), "Dispose returned while its target's tick was still running");
        release.Set();
        Assert.IsTrue(disposer.Join(s_safety) && ticker.Join(s_safety), "hang guard");
        Assert.IsTrue(doneWhenDisposeReturned);
        link.Tick();
        Assert.AreEqual(1, target.Ticks, "no tick after Dispose");
    }

    [TestMethod]
    public void Dispose_FromInsideItsTargetsTick_ReturnsWithoutWaitingForItself()
    {
        using var link = new TickOnDemandLink();
        IDisposable? subscription = null;
        var returned = false;
        var target = new Target(() =>
        {
            subscription!.Dispose();
            returned = true;
        });
        subscription = link.Subscribe(target);
        var ticker = new Thread(link.Tick);
        ticker.Start();

        Assert.IsTrue(ticker.Join(s_safety), "hang guard: Dispose waited for the tick it was called from");
        Assert.IsTrue(returned);
        Assert.AreEqual(0, link.SubscriberCount);
    }

    private sealed class TickOnDemandLink : DisplayLink
    {
        public override TimeSpan RefreshPeriod => TimeSpan.FromMilliseconds(16);

        protected override bool CanStopOnTickThread => true;

        public void Tick() => DispatchTick(new DisplayLinkTick(TimeSpan.Zero, RefreshPeriod));

        protected override void StartCore()
        {
        }

        protected override void StopCore()
        {
        }
    }

    private sealed class Target(Action onTick) : IDisplayLinkTarget
    {
        private int _ticks;

        public int Ticks => Volatile.Read(ref _ticks);

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            Interlocked.Increment(ref _ticks);
            onTick();
        }
    }
}
