using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// Durations that a custom policy or source made huge (AnimatedImage.TotalDuration saturates for them): a loop whose
/// length does not fit in a TimeSpan still completes like any other.
/// </summary>
[TestClass]
public sealed class PlayerHugeDurationTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Frame 0 held for TimeSpan.MaxValue (a "0 means hold" policy), frame 1 for 100 ms; played from frame 1. At the end
    /// of the loop the player added up the loop's length to see whether whole loops could be skipped, and that sum
    /// overflowed: the tick threw on the display-link thread (counted as a failed tick) after the loop had been counted,
    /// and its LoopCompleted was never raised.
    /// </summary>
    [TestMethod]
    public async Task LoopEnds_LoopLongerThanTimeSpanCanHold_RaisesLoopCompletedWithoutAFailedTick()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = new AnimatedImage(new HugeFirstFrameSource(), ReadOnlyMemory<byte>.Empty);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(64L * 1024 * 1024),
        });
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == 2), "both frames decoded");
        var completed = new List<int>();
        player.LoopCompleted += (_, e) => completed.Add(e.Loop);

        player.SeekToFrame(1);
        player.Play();
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromMilliseconds(200); elapsed += s_period)
        {
            time.Advance(s_period);
        }

        Assert.AreEqual(0, links.GetDisplayLink().FailedTicks, "a tick threw");
        CollectionAssert.AreEqual(new[] { 0 }, completed);
        Assert.AreEqual((0, 1), (player.CurrentFrameIndex, player.CurrentLoop));
    }

    private sealed class HugeFirstFrameSource : AnimatedImageSource
    {
        public override ImageFormat Format => ImageFormat.Gif;

        public override int PixelWidth => 4;

        public override int PixelHeight => 4;

        public override int FrameCount => 2;

        public override int LoopCount => 0;

        public override bool HasAlpha => false;

        public override TimeSpan GetFrameDuration(int index) => index == 0 ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(100);

        public override int GetRequiredFrame(int index) => -1;

        public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes) => canvas.Fill((byte)index);
    }
}
