using ImageKit.Display;
using ImageKit.Display.MacOS;
using ImageKit.Tests.Display.MacOS;

namespace ImageKit.Tests.Display;

// Creates CoreVideo callback handles (through the fake), which CVDisplayLinkProviderTests counts.
[TestClass]
[DoNotParallelize]
public sealed class DisplayLinkProviderTests
{
    [TestMethod]
    public void System_OffMacOS_IsOneSharedTimerAt60HzThatIgnoresDispose()
    {
        if (OperatingSystem.IsMacOS())
        {
            Assert.Inconclusive("On macOS with a display the system provider is CoreVideo's.");
        }

        var system = DisplayLinkProvider.System;

        var timer = Assert.IsInstanceOfType<TimerDisplayLinkProvider>(system);
        Assert.AreEqual(60, timer.FrequencyHz);
        Assert.AreSame(system, DisplayLinkProvider.System);
        system.Dispose();
        Assert.AreSame(system.GetDisplayLink(), DisplayLinkProvider.System.GetDisplayLink(), "still usable after Dispose");
        Assert.IsFalse(system.GetDisplayLink().IsRunning, "idle: asking for the link starts nothing");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "timer")]
    [DataRow(true, DisplayName = "CoreVideo")]
    public void ProcessWideProvider_ItsLinkDisposedByOneCaller_StillServesEveryOther(bool isMacOS)
    {
        using var fake = new FakeCoreVideo();
        var provider = DisplayLinkProvider.CreateProcessWide(isMacOS, () => fake);
        var link = provider.GetDisplayLink();

        link.Dispose(); // one component tidying up what it took for its own

        var stillServed = Record(() =>
        {
            Assert.AreSame(link, provider.GetDisplayLink());
            using (link.Subscribe(new NullTarget()))
            {
                Assert.IsTrue(link.IsRunning);
            }
        });
        var released = fake.Count("Release");

        // Not the process's: released here, not by a finalizer in the middle of a test that counts callback contexts.
        link.IsProcessWide = false;
        link.Dispose();

        Assert.IsNull(stillServed, $"every animation of the app lost its display link: {stillServed}");
        Assert.IsFalse(link.IsRunning, "it still stops with its last subscriber");
        Assert.AreEqual(0, released, "the process-wide link is never released");
    }

    [TestMethod]
    public void Select_MacOSWithADisplay_PicksCoreVideo()
    {
        using var fake = new FakeCoreVideo();

        using var provider = DisplayLinkProvider.Select(isMacOS: true, () => fake);

        Assert.IsInstanceOfType<CVDisplayLinkProvider>(provider);
    }

    [TestMethod]
    public void Select_MacOSWithoutADisplay_FallsBackToTheTimer()
    {
        using var fake = new FakeCoreVideo { CreateStatus = -6661 };

        using var provider = DisplayLinkProvider.Select(isMacOS: true, () => fake);

        Assert.AreEqual(60, Assert.IsInstanceOfType<TimerDisplayLinkProvider>(provider).FrequencyHz);
        Assert.AreEqual(0, fake.Count("Release"));
    }

    [TestMethod]
    public void Select_MacOSWithoutCoreVideo_FallsBackToTheTimer()
    {
        using var provider = DisplayLinkProvider.Select(isMacOS: true, () => throw new DllNotFoundException("CoreVideo"));

        Assert.IsInstanceOfType<TimerDisplayLinkProvider>(provider);
    }

    [TestMethod]
    public void Select_OtherOS_PicksTheTimerWithoutTouchingCoreVideo()
    {
        using var provider = DisplayLinkProvider.Select(
            isMacOS: false,
            () => throw new AssertFailedException("CoreVideo must not be touched off macOS"));

        Assert.IsInstanceOfType<TimerDisplayLinkProvider>(provider);
    }

    private static Exception? Record(Action action)
    {
        try
        {
            action();
            return null;
        }
#pragma warning disable CA1031 // recorded for the assertion
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }
    }

    private sealed class NullTarget : IDisplayLinkTarget
    {
        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
        }
    }
}
