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
