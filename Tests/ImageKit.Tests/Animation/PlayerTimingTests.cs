using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// Where the clock is after ticks at exact timestamps: a manual display link whose own period (an hour) never fires, ticked
/// by hand after moving a fake clock, so that every tick's timestamp is the test's.
/// </summary>
[TestClass]
public sealed class PlayerTimingTests
{
    private static readonly TimeSpan s_neverFires = TimeSpan.FromMinutes(10);

    [TestMethod]
    public async Task Tick_PastAZeroLengthFrame_KeepsTheTimeLeftForTheFramesAfterIt()
    {
        // AsEncoded: 100, 0, 100, 100 ms. Frame 0 runs over [0, 100), frame 1 has no time, frame 2 [100, 200), frame 3 [200, 300).
        using var image = Durations([100, 0, 100, 100], FrameDurationPolicy.AsEncoded);
        using var clock = new Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);

        player.Play();
        clock.TickAt(0);
        clock.TickAt(150);
        Assert.AreEqual(2, player.CurrentFrameIndex, "150 ms: 50 ms into frame 2");
        clock.TickAt(240);
        Assert.AreEqual(3, player.CurrentFrameIndex, "240 ms: frame 3, which the summed durations start at 200 ms");
        clock.TickAt(1210);
        Assert.AreEqual(0, player.CurrentFrameIndex, "1,210 ms: 10 ms into the fifth loop of 300 ms");
        Assert.AreEqual(4, player.CurrentLoop);
    }

    [TestMethod]
    public async Task PlaybackMode_SetToTheSameBounceOnTheWayBack_KeepsGoingBack()
    {
        // Bounce over 4 frames of 100 ms: 0, 1, 2, 3, 2, 1. At 450 ms the player is on the way back, on frame 2 (step 4).
        using var image = Durations([100, 100, 100, 100], FrameDurationPolicy.Browser);
        using var clock = new Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options) { PlaybackMode = PlaybackMode.Bounce };
        var loops = new List<int>();
        player.LoopCompleted += (_, e) => loops.Add(e.Loop);

        player.Play();
        clock.TickAt(0);
        clock.TickAt(450);
        Assert.AreEqual(2, player.CurrentFrameIndex);

        player.PlaybackMode = PlaybackMode.Bounce; // nothing changes

        clock.TickAt(550);
        Assert.AreEqual(1, player.CurrentFrameIndex, "550 ms: the last step of the loop, frame 1");
        clock.TickAt(650);
        Assert.AreEqual(0, player.CurrentFrameIndex, "650 ms: the second loop's first frame");
        CollectionAssert.AreEqual(new[] { 0 }, loops.ToArray());
    }

    [TestMethod]
    public async Task TotalLoopCount_MadeFiniteAgainOnAStillLongAfterItsTicksStopped_TimesItsLoopsFromThen()
    {
        // A still of 100 ms played three times; made endless at 50 ms, it leaves the link at its next tick (60 ms).
        using var image = Durations([100], FrameDurationPolicy.Browser);
        using var clock = new Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options) { TotalLoopCount = 3 };
        var finished = 0;
        player.Finished += (_, _) => finished++;

        player.Play();
        clock.TickAt(0);
        clock.TickAt(50);
        player.TotalLoopCount = 0;
        clock.TickAt(60);

        // Five seconds later its loops are timed again: from then on, not for the seconds it had no ticks.
        clock.TickAt(5000);
        player.TotalLoopCount = 3;
        clock.TickAt(5010);
        Assert.IsTrue(player.IsPlaying, "5,010 ms: the first tick of the link started again");
        Assert.AreEqual(0, player.CurrentLoop);
        Assert.AreEqual(0, finished);
        clock.TickAt(5249);
        Assert.AreEqual(0, finished, "60 ms played before, 240 ms since 5,010 ms: the third loop ends at 5,250 ms");
        clock.TickAt(5250);
        Assert.AreEqual(1, finished);
        Assert.AreEqual(2, player.CurrentLoop);
    }

    internal static AnimatedImage Durations(int[] milliseconds, FrameDurationPolicy policy, int loopCount = 0) =>
        new(new DurationsAnimation(milliseconds, loopCount), ReadOnlyMemory<byte>.Empty, new ImageDecodeOptions { FrameDurations = policy });

    /// <summary>A fake clock and a manual link on it; <see cref="TickAt"/> moves the clock to a time and ticks there.</summary>
    internal sealed class Clock : IDisposable
    {
        private readonly FakeTimeProvider _time = new();
        private readonly ManualDisplayLinkProvider _links;
        private readonly TimeSpan _origin;

        public Clock()
        {
            _links = new ManualDisplayLinkProvider(_time, s_neverFires);
            _origin = TimeSpan.Zero;
        }

        public AnimatedImagePlayerOptions Options => new() { DisplayLinkProvider = _links };

        private TimeSpan _now;

        public void TickAt(double milliseconds)
        {
            var at = _origin + TimeSpan.FromMilliseconds(milliseconds);
            Assert.IsGreaterThanOrEqualTo(_now, at, "ticks go forward");
            _time.Advance(at - _now);
            _now = at;
            _links.Tick();
        }

        public void Dispose() => _links.Dispose();
    }

    private sealed class DurationsAnimation(int[] milliseconds, int loopCount) : AnimatedImageSource
    {
        public override ImageFormat Format => ImageFormat.Gif;

        public override int PixelWidth => 4;

        public override int PixelHeight => 4;

        public override int FrameCount => milliseconds.Length;

        public override int LoopCount => loopCount;

        public override bool HasAlpha => false;

        public override TimeSpan GetFrameDuration(int index) => TimeSpan.FromMilliseconds(milliseconds[index]);

        public override int GetRequiredFrame(int index) => -1;

        public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes) => canvas.Fill((byte)index);
    }
}
