using ImageKit.Display;
using ImageKit.Display.Internal;
using ImageKit.Display.MacOS;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Display.MacOS;

// Dispose, finalization and collection: the link is stopped, released and its handle freed exactly once.
public sealed partial class CVDisplayLinkProviderTests
{
    [TestMethod]
    public void Dispose_Running_StopsBeforeReleasingAndReleasesOnce()
    {
        var handles = DisplayLinkCounters.LiveCallbackHandles;
        using var fake = new FakeCoreVideo();
        var provider = new CVDisplayLinkProvider(fake);
        var target = new RecordingTarget();
        _ = provider.GetDisplayLink().Subscribe(target);
        Assert.IsTrue(Leaks.Eventually(() => !target.Ticks.IsEmpty, s_wait));

        provider.Dispose();
        provider.Dispose();

        var lifecycle = fake.Calls.Where(c => c is "Start" or "Stop" or "Release");
        Assert.AreEqual("Start Stop Release", string.Join(' ', lifecycle));
        Assert.AreEqual(handles, DisplayLinkCounters.LiveCallbackHandles, "the GC handle is freed");
        Assert.IsEmpty(fake.Violations);
    }

    [TestMethod]
    public void Dispose_ConcurrentCalls_ReleaseOnceAndFreeTheHandleOnce()
    {
        var handles = DisplayLinkCounters.LiveCallbackHandles;
        for (var round = 0; round < 20; round++)
        {
            using var fake = new FakeCoreVideo();
            var provider = new CVDisplayLinkProvider(fake);
            var target = new RecordingTarget();
            _ = provider.GetDisplayLink().Subscribe(target);
            using var barrier = new Barrier(4);
            var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                barrier.SignalAndWait();
                provider.Dispose();
            })).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            Assert.AreEqual(1, fake.Count("Release"), $"round {round}");
            Assert.IsEmpty(fake.Violations, $"round {round}");
            Assert.AreEqual(handles, DisplayLinkCounters.LiveCallbackHandles, $"round {round}");
        }
    }

    [TestMethod]
    public void Dispose_WithACallbackHeldMidFlight_WaitsForItAndNoTickIsDeliveredAfterItReturns()
    {
        var handles = DisplayLinkCounters.LiveCallbackHandles;

        // Stop returns at once here, so only the backend's own in-flight tracking can make Dispose wait.
        using var fake = new FakeCoreVideo { StopWaitsForCallback = false };
        var provider = new CVDisplayLinkProvider(fake);
        var target = new RecordingTarget();
        _ = provider.GetDisplayLink().Subscribe(target);
        Assert.IsTrue(Leaks.Eventually(() => target.Ticks.Count >= 3, s_wait));

        fake.HoldNextCallback();
        Assert.IsTrue(fake.Held.WaitOne(s_wait), "a callback is now held inside its pool push");
        var ticksWhenHeld = target.Ticks.Count;
        var dispose = Task.Run(provider.Dispose);

        Assert.IsFalse(dispose.Wait(TimeSpan.FromMilliseconds(200)), "Dispose waits for the callback in flight");
        fake.ResumeHeldCallback();
        Assert.IsTrue(dispose.Wait(s_wait));
        target.DisposeReturned = true;

        Thread.Sleep(50);
        Assert.AreEqual(ticksWhenHeld, target.Ticks.Count, "the held callback saw the hub detached and delivered nothing");
        Assert.AreEqual(0, target.TicksAfterDispose);
        Assert.AreEqual(1, fake.Count("Release"));
        Assert.AreEqual(handles, DisplayLinkCounters.LiveCallbackHandles);
        Assert.IsTrue(fake.Callbacks.All(c => c is { Result: 0, Pushes: 1, Pops: 1 } or { Result: 0, Pushes: 0, Pops: 0 }), "a late callback may find nothing");
        Assert.IsEmpty(fake.Violations);
    }

    [TestMethod]
    public void Dispose_WhileATargetIsInsideItsTick_ReturnsAfterThatTickAndNoneFollows()
    {
        using var fake = new FakeCoreVideo { StopWaitsForCallback = false };
        var provider = new CVDisplayLinkProvider(fake);
        using var gate = new ManualResetEventSlim();
        var target = new BlockingTarget(gate);
        _ = provider.GetDisplayLink().Subscribe(target);
        Assert.IsTrue(target.Entered.Wait(s_wait), "a tick is in progress");

        var dispose = Task.Run(provider.Dispose);
        Assert.IsFalse(dispose.Wait(TimeSpan.FromMilliseconds(200)), "Dispose waits for the tick in progress");
        gate.Set();
        Assert.IsTrue(dispose.Wait(s_wait));
        var ticks = target.Count;

        Thread.Sleep(50);
        Assert.AreEqual(ticks, target.Count, "no tick after Dispose returned");
        Assert.AreEqual(1, fake.Count("Release"));
        Assert.IsEmpty(fake.Violations);
    }

    [TestMethod]
    public void Dispose_FromInsideATick_ReleasesOnceAndNeverOnTheCallbackThread()
    {
        var handles = DisplayLinkCounters.LiveCallbackHandles;
        using var fake = new FakeCoreVideo();
        var provider = new CVDisplayLinkProvider(fake);
        var target = new DisposingTarget(provider);
        _ = provider.GetDisplayLink().Subscribe(target);

        Assert.IsTrue(Leaks.Eventually(() => fake.Count("Release") == 1, s_wait), "released from the thread pool");
        Assert.IsTrue(Leaks.Eventually(() => DisplayLinkCounters.LiveCallbackHandles == handles, s_wait));
        Assert.AreEqual(1, target.Count, "no tick after the one that disposed");
        Assert.IsTrue(fake.IndexOf("Stop") >= 0 && fake.IndexOf("Stop") < fake.IndexOf("Release"), "stopped, then released");
        Assert.IsEmpty(fake.Violations, "neither stop nor release ran on the callback thread");
    }

    [TestMethod]
    public void Subscribe_TargetDropped_IsCollectedAndTheLinkStops()
    {
        using var fake = new FakeCoreVideo();
        using var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();
        var weak = SubscribeAndDrop(link);
        Assert.IsTrue(link.IsRunning);

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.IsAlive), "the link and CoreVideo keep no target alive");
        Assert.IsTrue(Leaks.Eventually(() => fake.Count("Stop") == 1 && !link.IsRunning, s_wait), "the next tick stops the link");
        Assert.AreEqual(0, link.SubscriberCount);
        Assert.IsEmpty(fake.Violations);
    }

    [TestMethod]
    public void Finalizer_ProviderDroppedUndisposed_StopsAndReleasesTheLinkAndFreesTheHandle()
    {
        // Providers dropped by earlier tests may still be waiting for their finalizers, and a teardown that began on a
        // callback thread finishes on the thread pool, which is slow to get to it in a busy full run (this count was once
        // one lower at the end than at the start): settle both before counting.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var handles = StableCallbackHandleCount();
        using var fake = new FakeCoreVideo();
        var weak = CreateRunningAndDrop(fake);

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.IsAlive), "CoreVideo's handle on the hub does not keep the link alive");
        Assert.IsTrue(Leaks.Eventually(() => fake.Count("Release") == 1, s_wait), "the finalizer releases the native link");
        Assert.IsTrue(fake.IndexOf("Stop") >= 0 && fake.IndexOf("Stop") < fake.IndexOf("Release"), "after stopping it");
        Assert.IsFalse(fake.IsStarted);
        Assert.IsTrue(
            Leaks.Eventually(() => DisplayLinkCounters.LiveCallbackHandles == handles, s_wait),
            $"the callback handle is freed (live handles {DisplayLinkCounters.LiveCallbackHandles}, {handles} before; calls: {string.Join(", ", fake.Calls)})");
        Assert.IsEmpty(fake.Violations);
    }

    // The live callback-handle count once it has not changed for 200 ms.
    private static int StableCallbackHandleCount()
    {
        var count = DisplayLinkCounters.LiveCallbackHandles;
        for (var unchanged = 0; unchanged < 20; unchanged++)
        {
            Thread.Sleep(10);
            var now = DisplayLinkCounters.LiveCallbackHandles;
            if (now != count)
            {
                (count, unchanged) = (now, -1);
            }
        }

        return count;
    }
}
