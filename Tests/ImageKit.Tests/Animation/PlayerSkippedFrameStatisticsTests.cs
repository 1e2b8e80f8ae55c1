using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// Shown + skipped is the number of frames played, also when a frame that cannot be decoded sits between two steps of the
/// same picture (a two-frame loop, the turnaround of a bounce).
/// </summary>
[TestClass]
public sealed class PlayerSkippedFrameStatisticsTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Frames 0 and 1 of 100 ms, frame 1 corrupt, three loops: six frames played, frame 0 shown in each loop and frame 1
    /// skipped in each. The frame 0 of loops 1 and 2 came back to the picture already on screen (the frame before it was
    /// skipped) and was counted neither shown nor skipped.
    /// </summary>
    [TestMethod]
    [DataRow(PlaybackMode.Normal, 2, 1, 6)]
    [DataRow(PlaybackMode.Bounce, 3, 2, 12)]
    public async Task Play_FrameThatFailsBetweenTwoStepsOfTheSamePicture_EveryFramePlayedIsShownOrSkipped(
        PlaybackMode mode, int frames, int failing, int played)
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = new AnimatedImage(new FlakyFrameSource(frames, failing, failures: -1, () => new ImageDecodingException($"frame {failing} is corrupt")), ReadOnlyMemory<byte>.Empty);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(64L * 1024 * 1024),
        })
        {
            PlaybackMode = mode,
            TotalLoopCount = 3,
        };
        Assert.IsTrue(
            Leaks.Eventually(() => player.BufferedFrameCount == frames - 1 && player.Statistics.DecodeErrors == 1 && player.GetCurrentFrame() is { } f && Release(f)),
            "every frame but the corrupt one decoded, the first on screen");

        player.Play();
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(3); elapsed += s_period)
        {
            time.Advance(s_period);
        }

        var statistics = player.Statistics;
        Assert.IsFalse(player.IsPlaying, "three loops played");
        Assert.AreEqual(3, statistics.LoopsCompleted);
        Assert.AreEqual(3, statistics.FramesSkipped, $"the corrupt frame, once a loop ({statistics})");
        Assert.AreEqual(played, statistics.FramesShown + statistics.FramesSkipped, $"frames played ({statistics})");
    }

    private static bool Release(ImageFrame frame)
    {
        frame.Dispose();
        return true;
    }
}
