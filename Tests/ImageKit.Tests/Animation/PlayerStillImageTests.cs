using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A one-frame image (a still, whose <see cref="AnimatedImage.LoopCount"/> is 1) played by a player: a finite loop count
/// plays like a one-frame animation's (each loop lasts the frame's duration, then <see cref="AnimatedImagePlayer.Finished"/>
/// is raised once, <see cref="AnimatedImagePlayer.IsPlaying"/> turns false and the display link is left), as UIImageView
/// plays a one-image animation; played forever it never ticks.
/// </summary>
[TestClass]
public sealed class PlayerStillImageTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    [TestMethod]
    public async Task Play_StillWithItsOwnLoopCount_FinishesOnceAndLeavesTheLink()
    {
        await using var still = Still.Start(loops: null);
        Assert.AreEqual(1, still.Player.TotalLoopCount, "a still plays once");

        still.Player.Play();
        still.Run(TimeSpan.FromSeconds(1)); // ten times the frame's 100 ms

        Assert.IsTrue(
            still.Finished == 1 && !still.Player.IsPlaying && !still.Link.IsRunning,
            $"finished {still.Finished} times, playing {still.Player.IsPlaying}, link running {still.Link.IsRunning}");
        Assert.AreEqual(0, still.Player.CurrentFrameIndex, "its frame stays current");
        CollectionAssert.AreEqual(new[] { 0 }, still.LoopsCompleted.ToArray());
    }

    [TestMethod]
    public async Task Play_StillWithThreeLoops_FinishesAfterThreeTimesItsDuration()
    {
        await using var still = Still.Start(loops: 3);

        still.Player.Play();
        still.Run(TimeSpan.FromMilliseconds(250));
        var finishedEarly = still.Finished;
        var playingMidway = still.Player.IsPlaying;
        still.Run(TimeSpan.FromMilliseconds(750));

        Assert.IsTrue(playingMidway && finishedEarly == 0, $"after 250 ms of 300: playing {playingMidway}, finished {finishedEarly} times");
        Assert.AreEqual(1, still.Finished);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, still.LoopsCompleted.ToArray());
        Assert.AreEqual(3L, still.Player.Statistics.LoopsCompleted);
        Assert.IsFalse(still.Link.IsRunning, "a finished player leaves the link");
    }

    [TestMethod]
    public async Task Play_StillForever_StaysPlayingAndNeverTicks()
    {
        await using var still = Still.Start(loops: 0);

        still.Player.Play();
        still.Run(TimeSpan.FromSeconds(1));

        Assert.IsTrue(still.Player.IsPlaying, "an endless playback plays on");
        Assert.IsFalse(still.Link.IsRunning, "nothing would change on screen: no ticks");
        Assert.AreEqual(0, still.Finished);
    }

    [TestMethod]
    public async Task TotalLoopCount_MadeFiniteWhileAStillPlaysForever_FinishesIt()
    {
        await using var still = Still.Start(loops: 0);
        still.Player.Play();
        still.Run(TimeSpan.FromMilliseconds(500));

        still.Player.TotalLoopCount = 2;
        still.Run(TimeSpan.FromSeconds(1));

        Assert.IsTrue(
            still.Finished == 1 && !still.Player.IsPlaying && !still.Link.IsRunning,
            $"finished {still.Finished} times, playing {still.Player.IsPlaying}, link running {still.Link.IsRunning}");
    }

    [TestMethod]
    public async Task TotalLoopCount_MadeEndlessWhileAStillPlays_LeavesTheLinkAndPlaysOn()
    {
        await using var still = Still.Start(loops: 5);
        still.Player.Play();
        still.Run(TimeSpan.FromMilliseconds(150));

        still.Player.TotalLoopCount = 0;
        still.Run(TimeSpan.FromSeconds(1));

        Assert.IsTrue(
            still.Player.IsPlaying && !still.Link.IsRunning && still.Finished == 0,
            $"playing {still.Player.IsPlaying}, link running {still.Link.IsRunning}, finished {still.Finished} times");
    }

    [TestMethod]
    public async Task Play_AfterAStillFinished_PlaysItAgain()
    {
        await using var still = Still.Start(loops: 1);
        still.Player.Play();
        still.Run(TimeSpan.FromMilliseconds(500));
        Assert.AreEqual(1, still.Finished);

        still.Player.Play();
        var playingAgain = still.Player.IsPlaying;
        still.Run(TimeSpan.FromMilliseconds(500));

        Assert.IsTrue(playingAgain && still.Finished == 2 && !still.Link.IsRunning, $"playing again {playingAgain}, finished {still.Finished} times");
    }

    /// <summary>A player of a one-frame image of 100 ms on a manual link, its frame buffered.</summary>
    private sealed class Still : IAsyncDisposable
    {
        private readonly FakeTimeProvider _time = new();
        private readonly ManualDisplayLinkProvider _links;
        private readonly AnimatedImage _image = TestAnimation.Image(1);
        private int _finished;

        private Still(int? loops)
        {
            _links = new ManualDisplayLinkProvider(_time, s_period);
            Player = new AnimatedImagePlayer(_image, new AnimatedImagePlayerOptions { DisplayLinkProvider = _links, Budget = new FrameBudget(1024 * 1024) });
            if (loops is { } count)
            {
                Player.TotalLoopCount = count;
            }

            Player.Finished += (_, _) => Interlocked.Increment(ref _finished);
            Player.LoopCompleted += (_, e) =>
            {
                lock (LoopsCompleted)
                {
                    LoopsCompleted.Add(e.Loop);
                }
            };
        }

        public AnimatedImagePlayer Player { get; }

        public DisplayLink Link => _links.GetDisplayLink();

        public int Finished => Volatile.Read(ref _finished);

        public List<int> LoopsCompleted { get; } = [];

        public static Still Start(int? loops)
        {
            var still = new Still(loops);
            Assert.IsTrue(Leaks.Eventually(() => still.Player.BufferedFrameCount == 1), "the frame decodes");
            return still;
        }

        /// <summary>Advances virtual time one refresh period at a time.</summary>
        public void Run(TimeSpan duration)
        {
            for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += s_period)
            {
                _time.Advance(s_period);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Player.DisposeAsync();
            _image.Dispose();
            _links.Dispose();
        }
    }
}
