using ImageKit.Display;
using ImageKit.Display.MacOS;

namespace ImageKit.Tests.Display.MacOS;

/// <summary>
/// Transitions that fail where nobody can be told: a start deferred to the thread pool (a Subscribe from a tick while the
/// link is stopping) is tried again while its subscriber remains, instead of leaving it on a stopped link for good; a
/// <c>CVDisplayLinkStop</c> that throws leaves the link as it was (ticking), so that the next tick retries the stop, and a
/// Dispose whose stop threw still stops and releases the link.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class CoreVideoFailedTransitionTests
{
    private static readonly TimeSpan s_safety = TimeSpan.FromSeconds(30);

    [TestMethod]
    public void DeferredStartThatFailsOnce_IsRetried_AndItsSubscriberGetsTicks()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        using var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();
        var second = new CountingTarget();
        IDisposable? firstSubscription = null;
        IDisposable? secondSubscription = null;

        // From its tick, the first target leaves (the link starts stopping, on the thread pool), waits until the stop is
        // under way, and subscribes the second one: that start is deferred behind the stop, and it fails.
        var first = new ActionTarget(() =>
        {
            firstSubscription!.Dispose();
            Assert.IsTrue(SpinWait.SpinUntil(() => fake.Count("Stop") == 1, s_safety), "the deferred stop is under way");
            fake.FailingStarts = 1;
            secondSubscription = link.Subscribe(second);
        });
        firstSubscription = link.Subscribe(first);
        Assert.AreEqual(0, fake.InvokeCallback());

        Assert.IsTrue(SpinWait.SpinUntil(() => link.FailedTransitions == 1, s_safety), "the deferred start failed");
        Assert.IsTrue(
            SpinWait.SpinUntil(() => fake.IsStarted && link.IsRunning, s_safety),
            $"the link stays stopped under a subscriber (starts: {fake.Count("Start")}, failed transitions: {link.FailedTransitions})");
        Assert.AreEqual(3, fake.Count("Start"), "the first start, the failed one, the retry");

        fake.InvokeCallback();
        Assert.AreEqual(1, second.Count, "the subscriber gets ticks");
        secondSubscription!.Dispose();
        Assert.IsFalse(fake.IsStarted);
        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations));
    }

    private sealed class CountingTarget : IDisplayLinkTarget
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void OnDisplayLinkTick(DisplayLinkTick tick) => Interlocked.Increment(ref _count);
    }

    private sealed class ActionTarget(Action onTick) : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick) => onTick();
    }
}
