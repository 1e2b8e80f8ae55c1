using ImageKit.Animation;
using ImageKit.Decoding;

namespace ImageKit.Tests.Animation;

/// <summary>What SDWebImage's and Kingfisher's users expect of the clock, ticked at exact timestamps (see <see cref="PlayerTimingTests.Clock"/>).</summary>
[TestClass]
public sealed class PlayerTimingContractTests
{
    [TestMethod]
    public async Task Ticks_EveryTwentyThousandRefreshes_ShowTheFrameTheSummedDurationsSay()
    {
        int[] d = [30, 70, 40];
        using var image = PlayerTimingTests.Durations(d, FrameDurationPolicy.Browser);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);
        player.Play();
        for (var k = 0; k < 20000; k++)
        {
            var t = k * 16.0;
            clock.TickAt(t);
            var inLoop = t % 140;
            var expected = inLoop < 30 ? 0 : inLoop < 100 ? 1 : 2;
            Assert.AreEqual(expected, player.CurrentFrameIndex, $"t={t}");
            Assert.AreEqual((int)(t / 140), player.CurrentLoop, $"t={t}");
        }
    }

    [TestMethod]
    public async Task Play_FramesOfTenMillisecondsOrLess_LastOneHundredMilliseconds()
    {
        using var image = PlayerTimingTests.Durations([0, 10, 11, 20], FrameDurationPolicy.Browser);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);
        player.Play();
        clock.TickAt(0);
        clock.TickAt(99);
        Assert.AreEqual(0, player.CurrentFrameIndex);
        clock.TickAt(100);
        Assert.AreEqual(1, player.CurrentFrameIndex);
        clock.TickAt(199);
        Assert.AreEqual(1, player.CurrentFrameIndex);
        clock.TickAt(200);
        Assert.AreEqual(2, player.CurrentFrameIndex);
        clock.TickAt(211);
        Assert.AreEqual(3, player.CurrentFrameIndex);
        clock.TickAt(231);
        Assert.AreEqual(0, player.CurrentFrameIndex);
        Assert.AreEqual(1, player.CurrentLoop);
    }

    [TestMethod]
    public async Task Play_StillWithThreeLoops_FinishesAfterThreeOfItsDurations()
    {
        using var image = PlayerTimingTests.Durations([50], FrameDurationPolicy.Browser, loopCount: 3);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options) { TotalLoopCount = 3 };
        var finished = 0;
        var loops = new List<int>();
        player.Finished += (_, _) => finished++;
        player.LoopCompleted += (_, e) => loops.Add(e.Loop);
        player.Play();
        clock.TickAt(0);
        clock.TickAt(149);
        Assert.IsTrue(player.IsPlaying);
        Assert.AreEqual(2, player.CurrentLoop);
        clock.TickAt(150);
        Assert.IsFalse(player.IsPlaying);
        Assert.AreEqual(1, finished);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, loops.ToArray());
        Assert.AreEqual(3L, player.Statistics.LoopsCompleted);
    }

    [TestMethod]
    public async Task PauseThenPlay_ResumesTheFrameWhereItWas()
    {
        using var image = PlayerTimingTests.Durations([100, 100, 100, 100], FrameDurationPolicy.Browser);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);
        player.Play();
        clock.TickAt(0);
        clock.TickAt(150);
        player.Pause();
        clock.TickAt(5000);
        Assert.AreEqual(1, player.CurrentFrameIndex);
        player.Play();
        Assert.AreEqual(1, player.CurrentFrameIndex);
        clock.TickAt(5010);
        clock.TickAt(5059);
        Assert.AreEqual(1, player.CurrentFrameIndex);
        clock.TickAt(5060);
        Assert.AreEqual(2, player.CurrentFrameIndex);
    }

    [TestMethod]
    public async Task PlaybackRate_ChangedMidFrame_KeepsThePositionAndTimesTheRestAtTheNewRate()
    {
        using var image = PlayerTimingTests.Durations([100, 100, 100, 100], FrameDurationPolicy.Browser);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);
        player.Play();
        clock.TickAt(0);
        clock.TickAt(150);
        player.PlaybackRate = 2;
        clock.TickAt(174);
        Assert.AreEqual(1, player.CurrentFrameIndex);
        clock.TickAt(175);
        Assert.AreEqual(2, player.CurrentFrameIndex);
        player.PlaybackRate = 0;
        clock.TickAt(1000);
        Assert.AreEqual(2, player.CurrentFrameIndex);
        player.PlaybackRate = 0.5;
        clock.TickAt(1199);
        Assert.AreEqual(2, player.CurrentFrameIndex);
        clock.TickAt(1200);
        Assert.AreEqual(3, player.CurrentFrameIndex);
    }

    [TestMethod]
    public async Task Tick_LateBy250Ms_SkipsTheFramesItsTimeCoveredAndCountsThem()
    {
        using var image = PlayerTimingTests.Durations([100, 100, 100, 100], FrameDurationPolicy.Browser, loopCount: 2);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount == 4, TimeSpan.FromSeconds(10)));
        Assert.IsTrue(SpinWait.SpinUntil(() => player.Statistics.FramesShown == 1, TimeSpan.FromSeconds(10)));
        player.Play();
        clock.TickAt(0);
        clock.TickAt(350);
        Assert.AreEqual(3, player.CurrentFrameIndex);
        var s = player.Statistics;
        Assert.AreEqual(2L, s.FramesShown, "0 and 3");
        Assert.AreEqual(2L, s.FramesSkipped, "1 and 2");
        clock.TickAt(799);
        Assert.IsTrue(player.IsPlaying);
        clock.TickAt(800);
        Assert.IsFalse(player.IsPlaying);
        Assert.AreEqual(3, player.CurrentFrameIndex);
        s = player.Statistics;
        Assert.AreEqual(8L, s.FramesShown + s.FramesSkipped, $"{s}");
        Assert.AreEqual(2L, s.LoopsCompleted);
    }

    [TestMethod]
    public async Task SeekToFrame_WhilePlayingInBounce_PlaysOnFromThatFrame()
    {
        using var image = PlayerTimingTests.Durations([100, 100, 100, 100], FrameDurationPolicy.Browser);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options) { PlaybackMode = PlaybackMode.Bounce };
        player.Play();
        clock.TickAt(0);
        clock.TickAt(150);
        player.SeekToFrame(3);
        clock.TickAt(160);
        clock.TickAt(259);
        Assert.AreEqual(3, player.CurrentFrameIndex);
        clock.TickAt(260);
        Assert.AreEqual(2, player.CurrentFrameIndex);
        clock.TickAt(360);
        Assert.AreEqual(1, player.CurrentFrameIndex);
        clock.TickAt(460);
        Assert.AreEqual(0, player.CurrentFrameIndex);
        Assert.AreEqual(1, player.CurrentLoop);
    }

    [TestMethod]
    public async Task PlaybackMode_SetToReverseMidFrame_GoesBackFromThatFrameAndFinishesOnFrameZero()
    {
        using var image = PlayerTimingTests.Durations([100, 100, 100, 100], FrameDurationPolicy.Browser, loopCount: 1);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);
        player.Play();
        clock.TickAt(0);
        clock.TickAt(150);
        player.PlaybackMode = PlaybackMode.Reverse; // at frame 1, 50ms into it → step 2 of 3,2,1,0
        clock.TickAt(199);
        Assert.AreEqual(1, player.CurrentFrameIndex);
        clock.TickAt(200);
        Assert.AreEqual(0, player.CurrentFrameIndex);
        clock.TickAt(300);
        Assert.IsFalse(player.IsPlaying);
        Assert.AreEqual(0, player.CurrentFrameIndex);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Play_FrameThatFailsToDecode_IsSkippedWhenDueAndTheClockKeepsTime(bool wait)
    {
        using var image = new AnimatedImage(new FlakyFrameSource(4, failing: 1, failures: -1, () => new ImageDecodingException("bad frame")), ReadOnlyMemory<byte>.Empty);
        using var clock = new PlayerTimingTests.Clock();
        var o = clock.Options;
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = o.DisplayLinkProvider, WaitForFrames = wait });
        // Frame 0 is shown from the decoding thread while paused (its event may come before this handler is added, or late,
        // among the ticks' events), the others from the ticks: the events come from two threads, so under a lock.
        var shown = new List<int>();
        player.FrameChanged += (_, e) =>
        {
            lock (shown)
            {
                shown.Add(e.Index);
            }
        };
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount == 3 && player.Statistics.DecodeErrors == 1, TimeSpan.FromSeconds(10)));
        Assert.IsTrue(SpinWait.SpinUntil(() => player.Statistics.FramesShown == 1, TimeSpan.FromSeconds(10)));
        player.Play();
        for (var t = 0; t <= 800; t += 50)
        {
            clock.TickAt(t);
            var expected = t % 400 / 100;
            Assert.AreEqual(expected, player.CurrentFrameIndex, $"t={t}");
        }
        var s = player.Statistics;
        Assert.AreEqual(7L, s.FramesShown, $"{s}");
        Assert.AreEqual(2L, s.FramesSkipped, $"{s}");
        List<int> events;
        lock (shown)
        {
            events = [.. shown];
        }

        var all = string.Join(",", events);
        if (events.Count == 7)
        {
            events.Remove(0); // the one shown while paused
        }

        CollectionAssert.AreEqual(new[] { 2, 3, 0, 2, 3, 0 }, events.ToArray(), all);
    }
}
