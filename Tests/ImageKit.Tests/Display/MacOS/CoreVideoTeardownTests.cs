using System.Runtime.CompilerServices;
using ImageKit.Display;
using ImageKit.Display.Internal;
using ImageKit.Display.MacOS;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Display.MacOS;

/// <summary>
/// Real CoreVideo does not wait in <c>CVDisplayLinkStop</c> for a callback in flight, and may call once more after it
/// (even after the release). So the link is released only once no callback is inside ImageKit, on every path (Dispose
/// from inside a tick, the finalizer of a link nobody disposed), and a late callback finds nothing to deliver to.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class CoreVideoTeardownTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [TestMethod]
    public void DisposeFromInsideATick_StopDoesNotWait_TheLinkIsReleasedOnlyAfterTheTickEnds()
    {
        using var fake = new FakeCoreVideo { StopWaitsForCallback = false };
        var provider = new CVDisplayLinkProvider(fake);
        var target = new DisposingTarget(provider);
        _ = provider.GetDisplayLink().Subscribe(target);

        Assert.IsTrue(Leaks.Eventually(() => fake.Count("Release") == 1, s_wait));
        Assert.IsTrue(target.Finished.Wait(s_wait));
        Assert.IsTrue(Leaks.Eventually(() => fake.Callbacks.Count >= 1, s_wait), "the disposing tick's callback returned");

        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations) + " || " + string.Join(",", fake.Calls.TakeLast(12)));
    }

    [TestMethod]
    public void LinkNobodyDisposed_WithACallbackInFlight_TheFinalizerReleasesItOnlyAfterTheCallback()
    {
        using var fake = new FakeCoreVideo { StopWaitsForCallback = false };
        var weak = StartHoldAndDrop(fake);
        using var resume = new Timer(_ => fake.ResumeHeldCallback(), null, TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan);

        for (var i = 0; i < 10 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.IsFalse(weak.IsAlive);
        Assert.IsTrue(Leaks.Eventually(() => fake.Count("Release") == 1, s_wait), string.Join(",", fake.Calls.TakeLast(8)));
        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations) + " || " + string.Join(",", fake.Calls.TakeLast(12)));
        Assert.IsLessThan(fake.IndexOf("Release"), fake.Calls.ToList().LastIndexOf("Pop"), "the held callback's pool was popped before the release");
    }

    [TestMethod]
    public void CallbackAfterDispose_WithTheOldContext_DeliversNothingAndRegistersNothing()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        var registered = CoreVideoCallbackHub.Registered;
        var handles = DisplayLinkCounters.LiveCallbackHandles;
        var target = new CountingTarget();
        IntPtr context;
        using (var provider = new CVDisplayLinkProvider(fake))
        {
            using var subscription = provider.GetDisplayLink().Subscribe(target);
            context = fake.Context;
            Assert.AreEqual(0, fake.InvokeCallback());
            Assert.AreEqual(1, target.Count);
        }

        Assert.AreEqual(registered, CoreVideoCallbackHub.Registered, "the context is unregistered");
        Assert.AreEqual(handles, DisplayLinkCounters.LiveCallbackHandles);
        Assert.AreEqual(0, fake.InvokeCallback(context: context));
        Assert.AreEqual(1, target.Count, "a late callback delivers nothing");
    }

    [TestMethod]
    public void LateCallbackAfterTheRelease_FindsNothingAndTouchesNeitherTheLinkNorThePool()
    {
        using var fake = new FakeCoreVideo();
        var provider = new CVDisplayLinkProvider(fake);
        var target = new CountingTarget();
        _ = provider.GetDisplayLink().Subscribe(target);
        Assert.IsTrue(Leaks.Eventually(() => target.Count > 2, s_wait));

        provider.Dispose();
        var ticks = target.Count;

        Assert.IsTrue(Leaks.Eventually(() => fake.LateCallbacksMade == 1, s_wait), "the fake's thread called once more after the release");
        Assert.IsTrue(Leaks.Eventually(() => fake.Callbacks[^1] == new FakeCoreVideo.CallbackRecord(0, 0, 0, 0), s_wait), "and that call did nothing at all");
        Assert.AreEqual(ticks, target.Count);
        Assert.AreEqual("Release", fake.Calls[^1], "nothing was called on CoreVideo after the release");
        Assert.IsEmpty(fake.Violations, string.Join(" | ", fake.Violations));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference StartHoldAndDrop(FakeCoreVideo fake)
    {
        var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();
        var target = new CountingTarget();
        _ = link.Subscribe(target);
        Assert.IsTrue(Leaks.Eventually(() => target.Count > 2, s_wait));
        fake.HoldNextCallback();
        Assert.IsTrue(fake.Held.WaitOne(s_wait));
        return new WeakReference(link);
    }

    private sealed class CountingTarget : IDisplayLinkTarget
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void OnDisplayLinkTick(DisplayLinkTick tick) => Interlocked.Increment(ref _count);
    }

    // Disposes the provider from its first tick, then keeps that tick running a while on CoreVideo's thread.
    private sealed class DisposingTarget(DisplayLinkProvider provider) : IDisplayLinkTarget
    {
        private int _count;

        public ManualResetEventSlim Finished { get; } = new();

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            if (Interlocked.Increment(ref _count) == 1)
            {
                provider.Dispose();
                Thread.Sleep(300);
                Finished.Set();
            }
        }
    }
}
