using System.Runtime.CompilerServices;
using ImageKit.Display;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Display;

[TestClass]
public sealed class ManualDisplayLinkProviderTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    [TestMethod]
    public void Subscribe_FirstSubscriber_StartsAndTicksOncePerPeriodOfVirtualTime()
    {
        var time = new FakeTimeProvider();
        using var provider = new ManualDisplayLinkProvider(time, s_period);
        var link = provider.GetDisplayLink();
        var target = new RecordingTarget();

        Assert.IsFalse(link.IsRunning);
        using (link.Subscribe(target))
        {
            Assert.IsTrue(link.IsRunning);
            time.Advance(TimeSpan.FromMilliseconds(35));
            Assert.HasCount(3, target.Ticks);
            Assert.AreEqual(TimeSpan.FromMilliseconds(10), target.Ticks[0].Timestamp);
            Assert.AreEqual(TimeSpan.FromMilliseconds(20), target.Ticks[0].TargetTimestamp);
        }

        Assert.IsFalse(link.IsRunning, "the last unsubscription stops the link");
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.HasCount(3, target.Ticks, "no tick after the link stopped");
    }

    [TestMethod]
    public void Subscribe_ManyTargets_ShareOneLink()
    {
        var time = new FakeTimeProvider();
        using var provider = new ManualDisplayLinkProvider(time, s_period);
        var targets = Enumerable.Range(0, 50).Select(_ => new RecordingTarget()).ToArray();
        var subscriptions = targets.Select(t => provider.GetDisplayLink().Subscribe(t)).ToArray();

        time.Advance(s_period);

        Assert.AreSame(provider.GetDisplayLink(), provider.GetDisplayLink());
        Assert.AreEqual(50, provider.GetDisplayLink().SubscriberCount);
        Assert.IsTrue(targets.All(t => t.Ticks.Count == 1));
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }

        Assert.IsFalse(provider.GetDisplayLink().IsRunning);
    }

    [TestMethod]
    public void Subscribe_TargetNobodyReferences_IsCollectedAndTheLinkStops()
    {
        var time = new FakeTimeProvider();
        using var provider = new ManualDisplayLinkProvider(time, s_period);
        var link = provider.GetDisplayLink();
        var weak = SubscribeAndDrop(link);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.IsFalse(weak.IsAlive, "the link does not keep its targets alive");

        time.Advance(s_period);
        Assert.AreEqual(0, link.SubscriberCount);
        Assert.IsFalse(link.IsRunning);
    }

    [TestMethod]
    public void DispatchTick_TargetThrows_OtherTargetsStillTick()
    {
        var time = new FakeTimeProvider();
        using var provider = new ManualDisplayLinkProvider(time, s_period);
        var link = provider.GetDisplayLink();
        var good = new RecordingTarget();
        using var failing = link.Subscribe(new ThrowingTarget());
        using var ok = link.Subscribe(good);

        time.Advance(s_period * 2);

        Assert.HasCount(2, good.Ticks);
        Assert.AreEqual(2, link.FailedTicks);
    }

    [TestMethod]
    public void Unsubscribe_FromInsideATick_StopsTheLinkBeforeTheTickReturns()
    {
        var time = new FakeTimeProvider();
        using var provider = new ManualDisplayLinkProvider(time, s_period);
        var link = provider.GetDisplayLink();
        var target = new SelfRemovingTarget();
        target.Subscription = link.Subscribe(target);

        time.Advance(s_period);

        Assert.AreEqual(1, target.Ticks);
        Assert.IsFalse(link.IsRunning);
    }

    [TestMethod]
    public void Dispose_Provider_DisposesTheLinkAndRefusesSubscribers()
    {
        var time = new FakeTimeProvider();
        var provider = new ManualDisplayLinkProvider(time, s_period);
        var link = provider.GetDisplayLink();
        var target = new RecordingTarget();
        link.Subscribe(target);

        provider.Dispose();
        time.Advance(s_period);

        Assert.IsEmpty(target.Ticks);
        Assert.IsFalse(link.IsRunning);
        Assert.Throws<ObjectDisposedException>(() => link.Subscribe(target));
        Assert.Throws<ObjectDisposedException>(() => provider.GetDisplayLink());
    }

    [TestMethod]
    public void Dispose_LinkFromInsideATick_NoTargetIsTickedAfterItReturned()
    {
        // The tick goes on through its copy of the subscriber list: the targets after the disposing one must see the end.
        var time = new FakeTimeProvider();
        using var provider = new ManualDisplayLinkProvider(time, s_period);
        var link = provider.GetDisplayLink();
        var disposeReturned = false;
        var ticksAfterDispose = 0;
        var disposing = new ActionTarget(() =>
        {
            link.Dispose();
            disposeReturned = true;
        });
        var next = new ActionTarget(() => ticksAfterDispose += disposeReturned ? 1 : 0);
        using var first = link.Subscribe(disposing);
        using var second = link.Subscribe(next);

        time.Advance(s_period);

        Assert.IsTrue(disposeReturned);
        Assert.AreEqual(0, ticksAfterDispose, "a target was ticked after the link's Dispose had returned");
        Assert.IsFalse(link.IsRunning);
        GC.KeepAlive(disposing);
        GC.KeepAlive(next);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference SubscribeAndDrop(DisplayLink link)
    {
        var target = new RecordingTarget();
        _ = link.Subscribe(target);
        return new WeakReference(target);
    }

    private sealed class RecordingTarget : IDisplayLinkTarget
    {
        public List<DisplayLinkTick> Ticks { get; } = [];

        public void OnDisplayLinkTick(DisplayLinkTick tick) => Ticks.Add(tick);
    }

    private sealed class ThrowingTarget : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick) => throw new InvalidOperationException("boom");
    }

    private sealed class ActionTarget(Action onTick) : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick) => onTick();
    }

    private sealed class SelfRemovingTarget : IDisplayLinkTarget
    {
        public IDisposable? Subscription { get; set; }

        public int Ticks { get; private set; }

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            Ticks++;
            Subscription?.Dispose();
        }
    }
}
