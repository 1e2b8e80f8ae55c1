using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Animation;

/// <summary>A display link that stops ticking for a long time (the machine slept, the app was suspended).</summary>
[TestClass]
public sealed class PlayerTickGapTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    [TestMethod]
    public async Task Tick_AfterAnHourWithoutTicks_AdvancesTheAnimationByOneSecondAtMost()
    {
        // Four frames of 100 ms: a loop every 0.4 s.
        using var links = new GapLinkProvider(s_period);
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var loops = 0;
        player.LoopCompleted += (_, _) => loops++;

        player.Play();
        links.Link.Tick(TimeSpan.Zero); // starts the clock
        links.Link.Tick(TimeSpan.FromHours(1));

        // Followed to the letter, the hour would be 9,000 loops, each raising LoopCompleted within one tick.
        Assert.AreEqual(2, loops, "1 s of a 0.4 s loop");
        Assert.AreEqual(2, player.CurrentLoop);
        Assert.AreEqual(2, player.CurrentFrameIndex, "0.2 s into the third loop");
        Assert.IsTrue(player.IsPlaying);
    }

    [TestMethod]
    public async Task Tick_OfALinkSlowerThanOneSecond_AdvancesByTheWholePeriod()
    {
        // A link ticking every 2 s (a timer link at 0.5 Hz) is followed at its own pace, not at half speed.
        using var links = new GapLinkProvider(TimeSpan.FromSeconds(2));
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var loops = 0;
        player.LoopCompleted += (_, _) => loops++;

        player.Play();
        links.Link.Tick(TimeSpan.Zero);
        links.Link.Tick(TimeSpan.FromSeconds(2.1));

        Assert.AreEqual(5, loops, "2.1 s of a 0.4 s loop");
        Assert.AreEqual(1, player.CurrentFrameIndex, "0.1 s into the sixth loop");
    }

    /// <summary>
    /// The timer link passes the next grid point as TargetTimestamp: a late tick of a 0.5 Hz link has it less than 0.5 s
    /// ahead; taking the period from it, the cap took the link for a fast one and followed 1 s of a 3.5 s gap.
    /// </summary>
    [TestMethod]
    public async Task Tick_OfASlowLinkDeliveredLate_FollowsUpToTwoPeriods()
    {
        var period = TimeSpan.FromSeconds(2);
        using var links = new GapLinkProvider(period);
        using var image = TestAnimation.Image(4); // a loop every 0.4 s
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var loops = 0;
        player.LoopCompleted += (_, _) => loops++;

        player.Play();
        links.Link.Tick(TimeSpan.Zero, period);
        links.Link.Tick(TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(4)); // 1.5 s late; the next grid point is at 4 s

        Assert.AreEqual(8, loops, "3.5 s of a 0.4 s loop");
        Assert.AreEqual(3, player.CurrentFrameIndex, "0.3 s into the ninth loop");
    }

    /// <summary>A custom link that does not know the next refresh (TargetTimestamp = MaxValue) once overflowed every tick.</summary>
    [TestMethod]
    public async Task Tick_WithTargetTimestampFarAhead_StillAdvances()
    {
        using var links = new GapLinkProvider(TimeSpan.FromMilliseconds(10));
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });

        player.Play();
        links.Link.Tick(TimeSpan.Zero, TimeSpan.MaxValue);
        links.Link.Tick(TimeSpan.FromMilliseconds(250), TimeSpan.MaxValue);

        Assert.AreEqual(0, links.Link.FailedTicks, "the player threw on the tick");
        Assert.AreEqual(2, player.CurrentFrameIndex);
    }

    /// <summary>
    /// Two 20 ms frames at 100 times normal speed: one second of gap is 100 s of animation, 2,500 loops. They were walked
    /// frame by frame and each raised LoopCompleted within the one tick; the clock now skips whole loops at once and raises
    /// the event for the last <see cref="AnimatedImagePlayer.MaxLoopEventsPerTick"/> of them, counting every one.
    /// </summary>
    [TestMethod]
    public async Task Tick_AfterAGapAtHighSpeedWithShortFrames_RaisesLoopCompletedForTheLastLoopsOnlyAndCountsThemAll()
    {
        using var links = new GapLinkProvider(s_period);
        using var image = TestAnimation.Image(2, durationMs: 20);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var loops = new List<int>();
        player.LoopCompleted += (_, e) => loops.Add(e.Loop);
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount == 2, TimeSpan.FromSeconds(10)), "both frames decode");

        player.PlaybackRate = AnimatedImagePlayer.MaxPlaybackRate;
        player.Play(); // shows frame 0
        links.Link.Tick(TimeSpan.Zero);
        var stepsBefore = player.ClockSteps;
        links.Link.Tick(TimeSpan.FromHours(1)); // followed for 1 s: 100 s of animation

        var statistics = player.Statistics;
        CollectionAssert.AreEqual(
            Enumerable.Range(2500 - AnimatedImagePlayer.MaxLoopEventsPerTick, AnimatedImagePlayer.MaxLoopEventsPerTick).ToArray(),
            loops.ToArray(),
            $"raised for {loops.Count} loops");
        Assert.AreEqual(2500L, statistics.LoopsCompleted);
        Assert.AreEqual(4999L, statistics.FramesSkipped, "every frame of the 2,500 loops but the first one, shown at Play");
        Assert.AreEqual(2500, player.CurrentLoop);
        Assert.AreEqual(0, player.CurrentFrameIndex);
        Assert.IsLessThanOrEqualTo(2L * 2, player.ClockSteps - stepsBefore, "frames the clock walked one by one in that tick");
    }

    [TestMethod]
    public async Task Tick_AfterAGapAtHighSpeedWithAFiniteLoopCount_FinishesOnItsLastLoop()
    {
        using var links = new GapLinkProvider(s_period);
        using var image = TestAnimation.Image(2, durationMs: 20, loopCount: 1000);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, WaitForFrames = true });
        var loops = new List<int>();
        var finished = 0;
        player.LoopCompleted += (_, e) => loops.Add(e.Loop);
        player.Finished += (_, _) => finished++;
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount == 2, TimeSpan.FromSeconds(10)), "both frames decode");

        player.PlaybackRate = AnimatedImagePlayer.MaxPlaybackRate;
        player.Play();
        links.Link.Tick(TimeSpan.Zero);
        var stepsBefore = player.ClockSteps;
        links.Link.Tick(TimeSpan.FromSeconds(1)); // 2,500 loops' worth of a 1,000-loop animation

        CollectionAssert.AreEqual(
            Enumerable.Range(1000 - AnimatedImagePlayer.MaxLoopEventsPerTick, AnimatedImagePlayer.MaxLoopEventsPerTick).ToArray(),
            loops.ToArray(),
            $"raised for {loops.Count} loops");
        Assert.AreEqual(1, finished);
        Assert.AreEqual(1000L, player.Statistics.LoopsCompleted);
        Assert.AreEqual(999, player.CurrentLoop);
        Assert.AreEqual(1, player.CurrentFrameIndex, "the last frame of the last loop stays current");
        Assert.IsFalse(player.IsPlaying);
        Assert.IsLessThanOrEqualTo(2L * 2, player.ClockSteps - stepsBefore, "frames the clock walked one by one in that tick");
    }

    [TestMethod]
    public async Task Tick_AfterAGapAtHighSpeedInBounceMode_SkipsLoopsOfTheBounceOrder()
    {
        // Bounce over three 20 ms frames is 0, 1, 2, 1: an 80 ms loop. 999.5 ms at 100 times is 1,249 loops and 30 ms.
        using var links = new GapLinkProvider(s_period);
        using var image = TestAnimation.Image(3, durationMs: 20);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var loops = new List<int>();
        player.LoopCompleted += (_, e) => loops.Add(e.Loop);

        player.PlaybackMode = PlaybackMode.Bounce;
        player.PlaybackRate = AnimatedImagePlayer.MaxPlaybackRate;
        player.Play();
        links.Link.Tick(TimeSpan.Zero);
        var stepsBefore = player.ClockSteps;
        links.Link.Tick(TimeSpan.FromMilliseconds(999.5));

        Assert.AreEqual(1249L, player.Statistics.LoopsCompleted);
        Assert.AreEqual(1249, player.CurrentLoop);
        Assert.AreEqual(1, player.CurrentFrameIndex, "30 ms into 0, 1, 2, 1");
        Assert.AreEqual(1248, loops[^1]);
        Assert.HasCount(AnimatedImagePlayer.MaxLoopEventsPerTick, loops);
        Assert.IsLessThanOrEqualTo(2L * 4, player.ClockSteps - stepsBefore, "frames the clock walked one by one in that tick");
    }

    [TestMethod]
    public async Task Tick_OfADayLongLinkAtHighSpeed_SkipsHundredsOfMillionsOfLoopsAtOnce()
    {
        // A link that says it ticks once a day is followed up to two of its periods: a day is 100 days of a 40 ms loop.
        using var links = new GapLinkProvider(TimeSpan.FromDays(1));
        using var image = TestAnimation.Image(2, durationMs: 20);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var loops = 0;
        player.LoopCompleted += (_, _) => loops++;

        player.PlaybackRate = AnimatedImagePlayer.MaxPlaybackRate;
        player.Play();
        links.Link.Tick(TimeSpan.Zero);
        links.Link.Tick(TimeSpan.FromDays(1) + TimeSpan.FromMilliseconds(0.3)); // 100 days and 30 ms of animation: frame 1

        Assert.AreEqual(AnimatedImagePlayer.MaxLoopEventsPerTick, loops);
        Assert.AreEqual(216_000_000L, player.Statistics.LoopsCompleted);
        Assert.AreEqual(216_000_000, player.CurrentLoop);
        Assert.AreEqual(1, player.CurrentFrameIndex);
    }

    /// <summary>A link that ticks only when told, at the time it is told (and with the target it is told, if any).</summary>
    private sealed class GapLinkProvider(TimeSpan period) : DisplayLinkProvider
    {
        public GapLink Link { get; } = new(period);

        public override DisplayLink GetDisplayLink() => Link;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Link.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class GapLink(TimeSpan period) : DisplayLink
    {
        public override TimeSpan RefreshPeriod => period;

        public void Tick(TimeSpan at, TimeSpan? target = null) => DispatchTick(new DisplayLinkTick(at, target ?? at + period));

        protected override void StartCore()
        {
        }

        protected override void StopCore()
        {
        }
    }
}
