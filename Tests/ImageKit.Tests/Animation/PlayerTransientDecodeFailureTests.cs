using ImageKit.Animation;
using ImageKit.Decoding;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A frame whose bytes are broken (<see cref="ImageDecodingException"/>) fails again every time: it is not decoded again.
/// A frame that failed for another reason (memory the allocator could not give, a source's I/O) may decode later: it is
/// tried again once per loop, and when playback starts again.
/// </summary>
[TestClass]
public sealed class PlayerTransientDecodeFailureTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task Frame_FailedOnceForWantOfMemory_IsDecodedAgainInTheNextLoopAndShown()
    {
#pragma warning disable CA2201 // What a failed native allocation throws (PixelMemory).
        var source = new FlakyFrameSource(frameCount: 3, failing: 1, failures: 1, () => new OutOfMemoryException("no native memory"));
#pragma warning restore CA2201
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);
        Assert.IsTrue(
            SpinWait.SpinUntil(() => player.BufferedFrameCount == 2 && player.Statistics.DecodeErrors == 1, s_timeout),
            "frames 0 and 2 decode, frame 1 fails once");

        player.Play();
        clock.TickAt(0);
        clock.TickAt(150); // frame 1: not decoded, skipped
        clock.TickAt(250);
        clock.TickAt(310); // loop 1

        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount == 3, s_timeout), $"frame 1 decoded again ({source.Attempts} attempts)");
        clock.TickAt(410);
        using var shown = player.GetCurrentFrame();
        Assert.AreEqual(1, shown?.Index, "loop 1 shows frame 1");
    }

    [TestMethod]
    public async Task Frame_FailedForWantOfMemory_IsDecodedAgainWhenPlayStartsAfterStop()
    {
        var source = new FlakyFrameSource(frameCount: 3, failing: 0, failures: 1, () => new InsufficientMemoryException("no memory"));
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);
        Assert.IsTrue(
            SpinWait.SpinUntil(() => player.BufferedFrameCount == 2 && player.Statistics.DecodeErrors == 1, s_timeout),
            "frames 1 and 2 decode, frame 0 fails once");

        player.Stop();
        player.Play();

        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount == 3, s_timeout), $"frame 0 decoded again ({source.Attempts} attempts)");
        clock.TickAt(0);
        using var shown = player.GetCurrentFrame();
        Assert.AreEqual(0, shown?.Index, "the first tick shows frame 0");
    }
}
