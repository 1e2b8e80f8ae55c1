using System.Runtime.InteropServices;
using ImageKit.Display;
using ImageKit.Display.Internal;
using ImageKit.Display.MacOS;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Display.MacOS;

/// <summary>
/// The CVDisplayLink backend's lifetime contract, checked on any OS against a fake CoreVideo that records every native
/// call and invokes the real <c>[UnmanagedCallersOnly]</c> callback from its own thread.
/// </summary>
// Counts the process's callback GC handles, so no other test may create one meanwhile.
[TestClass]
[DoNotParallelize]
public sealed partial class CVDisplayLinkProviderTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [TestMethod]
    public void Constructor_CreatesTheLinkAndGivesCoreVideoAContextThatReachesAHubOnly()
    {
        var handles = DisplayLinkCounters.LiveCallbackHandles;
        using var fake = new FakeCoreVideo();
        using (var provider = new CVDisplayLinkProvider(fake))
        {
            Assert.AreEqual("Create SetOutputCallback", string.Join(' ', fake.Calls));
            Assert.IsFalse(provider.GetDisplayLink().IsRunning);
            Assert.AreNotEqual(IntPtr.Zero, fake.Context);

            // The context reaches a hub, never a link, a target or a delegate.
            Assert.IsInstanceOfType<CoreVideoCallbackHub>(CoreVideoCallbackHub.Find(fake.Context));
            Assert.AreEqual(handles + 1, DisplayLinkCounters.LiveCallbackHandles);
        }

        Assert.AreEqual(handles, DisplayLinkCounters.LiveCallbackHandles, "the context is unregistered");
        Assert.IsNull(CoreVideoCallbackHub.Find(fake.Context));
        Assert.AreEqual(1, fake.Count("Release"));
        Assert.IsEmpty(fake.Violations);
    }

    [TestMethod]
    public void Constructor_NoDisplay_ThrowsAndReleasesNothing()
    {
        var handles = DisplayLinkCounters.LiveCallbackHandles;
        using var fake = new FakeCoreVideo { CreateStatus = -6661 };

        var error = Assert.Throws<DisplayLinkException>(() => new CVDisplayLinkProvider(fake));

        Assert.AreEqual(-6661, error.NativeErrorCode);
        Assert.IsInstanceOfType<ImageKitException>(error);
        Assert.AreEqual(0, fake.Count("Release"), "a failed create hands out nothing to release");
        Assert.AreEqual(handles, DisplayLinkCounters.LiveCallbackHandles);
        Assert.IsNull(CVDisplayLinkProvider.TryCreate(fake));
    }

    [TestMethod]
    public void Constructor_SetOutputCallbackFails_ReleasesTheLinkOnceAndFreesTheHandle()
    {
        var handles = DisplayLinkCounters.LiveCallbackHandles;
        using var fake = new FakeCoreVideo { SetOutputCallbackStatus = -6660 };

        Assert.Throws<DisplayLinkException>(() => new CVDisplayLinkProvider(fake));

        Assert.AreEqual(1, fake.Count("Release"));
        Assert.AreEqual(0, fake.Count("Start"));
        Assert.AreEqual(handles, DisplayLinkCounters.LiveCallbackHandles);
        Assert.IsEmpty(fake.Violations);
    }

    [TestMethod]
    public void Select_SetOutputCallbackThrows_ReleasesTheLinkAtOnceAndUnregistersItsContext()
    {
        // A CoreVideo whose CVDisplayLinkSetOutputCallback entry point is missing: the system provider falls back to the
        // timer, and the native link already created must be released there and then, not left to a finalizer.
        using var fake = new FakeCoreVideo { SetOutputCallbackException = new EntryPointNotFoundException("fake") };

        using var provider = DisplayLinkProvider.Select(isMacOS: true, () => fake);

        Assert.IsInstanceOfType<TimerDisplayLinkProvider>(provider);
        Assert.AreEqual(1, fake.Count("Release"), "the link created before the failure is released exactly once");
        Assert.IsNull(CoreVideoCallbackHub.Find(fake.Context), "the callback context reaches nothing");
        Assert.IsEmpty(fake.Violations);
    }

    [TestMethod]
    public void Subscribe_FirstTarget_StartsCoreVideoAndTicksCarryHostTime()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        using var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();
        var target = new RecordingTarget();

        using (link.Subscribe(target))
        {
            Assert.IsTrue(link.IsRunning);
            Assert.AreEqual(1, fake.Count("Start"));
            Assert.AreEqual(0, fake.InvokeCallback(nowNs: 5_000_000_000, outputNs: 5_016_666_700));
        }

        var tick = target.Ticks.Single();
        Assert.AreEqual(TimeSpan.FromSeconds(5), tick.Timestamp, "Timestamp is the callback's now, in host time");
        Assert.AreEqual(TimeSpan.FromTicks(50_166_667), tick.TargetTimestamp, "TargetTimestamp is its output time");
        Assert.AreEqual(1, fake.Count("Stop"), "the last unsubscription stops the link");
        Assert.IsFalse(link.IsRunning);
    }

    [TestMethod]
    public void Callback_EveryInvocation_RunsInsideOneAutoreleasePoolEvenWhenATargetThrows()
    {
        using var fake = new FakeCoreVideo();
        using var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();
        var target = new RecordingTarget();
        using var failing = link.Subscribe(new ThrowingTarget());
        using var ok = link.Subscribe(target);

        Assert.IsTrue(Leaks.Eventually(() => target.Ticks.Count >= 20, s_wait), "the fake CoreVideo thread ticks");
        provider.Dispose();

        var callbacks = fake.Callbacks;
        Assert.IsGreaterThanOrEqualTo(20, callbacks.Count);
        foreach (var callback in callbacks)
        {
            Assert.AreEqual(new FakeCoreVideo.CallbackRecord(0, 1, 1, 0), callback, "one push, one pop, success");
        }

        Assert.IsGreaterThanOrEqualTo(20, link.FailedTicks, "the throwing target was called and contained");
        Assert.IsEmpty(fake.Violations);
    }

    [TestMethod]
    public void Callback_InvalidContextOrFailingPoolPop_NeverLetsAnExceptionEscape()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        using var provider = new CVDisplayLinkProvider(fake);
        var target = new RecordingTarget();
        using var subscription = provider.GetDisplayLink().Subscribe(target);

        // A context that names no hub.
        Assert.AreEqual(0, fake.InvokeCallback(context: IntPtr.Zero));

        fake.ThrowFromPoolPop = true;
        Assert.AreEqual(0, fake.InvokeCallback());
        Assert.HasCount(1, target.Ticks, "the tick was delivered before the pop failed");
        Assert.AreEqual(0, ((CoreVideoDisplayLink)provider.GetDisplayLink()).Hub.InFlight, "and the callback counted itself out");
    }

    [TestMethod]
    public void Callback_AfterTheLinkStopped_DeliversNothing()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        using var provider = new CVDisplayLinkProvider(fake);
        var target = new RecordingTarget();
        provider.GetDisplayLink().Subscribe(target).Dispose();
        Assert.AreEqual(1, fake.Count("Stop"));

        // A late callback, after CVDisplayLinkStop returned.
        Assert.AreEqual(0, fake.InvokeCallback());

        Assert.IsEmpty(target.Ticks);
        Assert.AreEqual(new FakeCoreVideo.CallbackRecord(0, 1, 1, 0), fake.Callbacks.Single());
    }

    [TestMethod]
    public void RefreshPeriod_PrefersActualThenNominalThenSixtyHertz()
    {
        using var fake = new FakeCoreVideo { AutoTick = false };
        var provider = new CVDisplayLinkProvider(fake);
        var link = provider.GetDisplayLink();

        fake.ActualPeriodSeconds = 1 / 120.0;
        Assert.AreEqual(TimeSpan.FromTicks(83_333), link.RefreshPeriod);

        fake.ActualPeriodSeconds = 0;
        fake.NominalPeriod = new() { TimeValue = 1001, TimeScale = 60_000 };
        Assert.AreEqual(TimeSpan.FromTicks(166_833), link.RefreshPeriod);

        fake.NominalPeriod = new() { TimeValue = 0, TimeScale = 0, Flags = 1 };
        Assert.AreEqual(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60), link.RefreshPeriod);

        fake.ActualPeriodSeconds = 1 / 50.0;
        _ = link.RefreshPeriod;
        provider.Dispose();
        Assert.AreEqual(TimeSpan.FromMilliseconds(20), link.RefreshPeriod, "after disposal, the last period known");
        Assert.IsEmpty(fake.Violations);
    }

    [TestMethod]
    public void Subscribe_StartFails_ThrowsAndDisposeStillReleasesOnce()
    {
        using var fake = new FakeCoreVideo { StartStatus = -6660 };
        var provider = new CVDisplayLinkProvider(fake);

        var error = Assert.Throws<DisplayLinkException>(() => provider.GetDisplayLink().Subscribe(new RecordingTarget()));
        Assert.AreEqual(-6660, error.NativeErrorCode);

        provider.Dispose();
        Assert.AreEqual(1, fake.Count("Release"));
        Assert.IsEmpty(fake.Violations);
    }
}
