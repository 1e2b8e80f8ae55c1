using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>What <see cref="AnimatedImagePlayer.Statistics"/> counts: every frame played is shown or skipped, never both.</summary>
[TestClass]
public sealed class PlayerStatisticsTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// The last frame of the last loop stays current once playback finishes, and is shown as soon as it is decoded. When
    /// its time ran out before it was decoded (a loaded machine: `imagekit play --stats-json` once reported 9 frames for
    /// 2 loops of 4), it was counted as skipped and then shown as well. It counts as skipped until it is shown, then as
    /// shown only, so that shown + skipped is the number of frames played at any moment.
    /// </summary>
    [TestMethod]
    public async Task Finish_LastFrameDecodedOnlyAfterItsTime_CountsItShownNotSkipped()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        var (image, source) = TestAnimation.Gated(4);
        using var owned = image;
        source.Allow(0, 1, 2);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(64L * 1024 * 1024),
        })
        {
            TotalLoopCount = 1,
        };
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount >= 3), "frames 0 to 2 buffered");

        player.Play();
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMilliseconds(600); elapsed += s_period)
        {
            time.Advance(s_period); // frame 3 falls due at 300 ms and its time ends at 400 ms: it never decoded
        }

        Assert.IsFalse(player.IsPlaying, "one loop played");
        var finished = player.Statistics;
        Assert.AreEqual((3L, 1L), (finished.FramesShown, finished.FramesSkipped), $"until it is decoded, the last frame counts as skipped ({finished})");

        source.Allow(3);
        Assert.IsTrue(Leaks.Eventually(() => player.CurrentFrameIndex == 3 && player.Statistics.FramesShown == 4), $"the last frame is shown once decoded ({player.Statistics})");

        var statistics = player.Statistics;
        Assert.AreEqual(0, statistics.FramesSkipped, $"the frame that stays on screen is no longer skipped ({statistics})");
        Assert.AreEqual(1, statistics.LoopsCompleted);
    }
}
