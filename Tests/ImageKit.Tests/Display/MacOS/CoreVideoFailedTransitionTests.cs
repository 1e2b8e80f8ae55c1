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

    [TestMethod]
    public void StopThatThrows_LeavesTheLinkTicking_AndTheNextTickStopsIt()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        using var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();
        var target = new CountingTarget();
        var subscription = link.Subscribe(target);
        fake.FailingStops = 1;

        Assert.ThrowsExactly<InvalidOperationException>(subscription.Dispose, "the failure reaches the caller");
        Assert.IsTrue(fake.IsStarted, "CoreVideo's link still runs");

        Assert.AreEqual(0, fake.InvokeCallback()); // CoreVideo keeps calling: that tick finds nobody subscribed
        Assert.IsTrue(
            SpinWait.SpinUntil(() => !fake.IsStarted, s_safety),
            $"the link runs on with nobody subscribed: nothing retries the stop (stops: {fake.Count("Stop")})");
        Assert.AreEqual(2, fake.Count("Stop"));
        Assert.IsFalse(link.IsRunning);
        Assert.AreEqual(0, target.Count, "the unsubscribed target got no tick");
        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations));
    }

    [TestMethod]
    public void Dispose_WhoseStopThrows_StillStopsAndReleasesTheLink()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        var provider = new CVDisplayLinkProvider(fake);
        _ = provider.GetDisplayLink().Subscribe(new CountingTarget());
        fake.FailingStops = 1;

        Assert.ThrowsExactly<InvalidOperationException>(provider.Dispose, "the failure reaches the caller");

        Assert.AreEqual(1, fake.Count("Release"), "the link was released (not left to the finalizer)");
        Assert.AreEqual(2, fake.Count("Stop"), "the handle stopped it first");
        Assert.IsFalse(fake.IsStarted);
        Assert.AreEqual(0, fake.InvokeCallback(context: fake.Context), "a late callback reaches nothing");
        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations));
    }

    [TestMethod]
    public void Dispose_WhoseStopThrowsAgainInTheHandle_LeavesTheLinkUnreleasedButReachingNothing()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        var registered = CoreVideoCallbackHub.Registered;
        var provider = new CVDisplayLinkProvider(fake);
        _ = provider.GetDisplayLink().Subscribe(new CountingTarget());
        fake.FailingStops = 2;

        Assert.ThrowsExactly<InvalidOperationException>(provider.Dispose, "the first failure reaches the caller");

        Assert.AreEqual(2, fake.Count("Stop"));
        Assert.AreEqual(0, fake.Count("Release"), "a link that could not be stopped is not released while it runs");
        Assert.AreEqual(registered, CoreVideoCallbackHub.Registered, "but its callback context is withdrawn");
        Assert.AreEqual(0, fake.InvokeCallback(context: fake.Context));
        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations));
    }

    // The handle's teardown runs from Dispose, the finalizer or the thread pool, and must never throw (on the finalizer
    // thread or the pool that ends the process). CVDisplayLinkIsRunning, which it asks first, was not guarded: when it
    // threw, the teardown stopped there, leaving the link unreleased and its callback context registered for good, and
    // the exception came out of the handle's release.
    [TestMethod]
    public void Dispose_WhoseIsRunningThrowsInTheHandle_StillStopsUnregistersAndReleasesTheLinkOnce()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        var registered = CoreVideoCallbackHub.Registered;
        var provider = new CVDisplayLinkProvider(fake);
        _ = provider.GetDisplayLink().Subscribe(new CountingTarget());
        fake.FailingIsRunning = 1;

        try
        {
            provider.Dispose();
        }
        catch (InvalidOperationException e)
        {
            Assert.Fail($"the teardown threw: {e.Message} || {string.Join(",", fake.Calls)}");
        }

        Assert.AreEqual(1, fake.Count("Release"), "the link is released exactly once: " + string.Join(",", fake.Calls));
        Assert.IsFalse(fake.IsStarted);
        Assert.AreEqual(registered, CoreVideoCallbackHub.Registered, "its callback context is withdrawn");
        Assert.AreEqual(0, fake.InvokeCallback(context: fake.Context));
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
