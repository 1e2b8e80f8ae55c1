using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A display link whose backend fails to stop throws that failure to the thread that unsubscribed (as
/// <see cref="DisplayLink"/> documents). The player unsubscribes in Dispose and when playback finishes: a failing stop
/// must neither leave a disposed player's worker, frames and image lease behind nor swallow the events of the tick.
/// </summary>
[TestClass]
public sealed class PlayerLinkStopFailureTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    [TestMethod]
    public void Dispose_LinkFailsToStop_StillReleasesTheFramesAndTheImage()
    {
        using var links = new FailingStopLinkProvider(s_period);
        var budget = new FrameBudget(64L * 1024 * 1024);
        using var image = TestAnimation.Image(4);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget });
        player.Play();
        Assert.IsTrue(SpinWait.SpinUntil(() => budget.UsedBytes > 0, TimeSpan.FromSeconds(30)), "the worker buffered a frame");

        try
        {
            player.Dispose();
        }
        catch (InvalidOperationException)
        {
            // The backend's failure may reach the caller, once the player has released what it holds.
        }

        player.Dispose(); // idempotent, whatever the first call did
        Assert.AreEqual(0, budget.UsedBytes, "the disposed player's buffered frames were released");
        Assert.IsNull(player.GetCurrentFrame(), "and the frame on screen");
        Assert.ThrowsExactly<ObjectDisposedException>(() => player.Image, "and its lease on the image");
        Assert.AreEqual(0, links.Link.SubscriberCount);
    }

    [TestMethod]
    public void Finished_LinkThatStopsOnTheTickThreadFailsToStop_IsStillRaised()
    {
        using var links = new FailingStopLinkProvider(s_period, stopsOnTickThread: true);
        using var image = TestAnimation.Image(2, durationMs: 100, loopCount: 1);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var finished = 0;
        var loops = 0;
        player.Finished += (_, _) => finished++;
        player.LoopCompleted += (_, _) => loops++;

        player.Play();
        links.Link.Tick(TimeSpan.Zero);
        links.Link.Tick(TimeSpan.FromMilliseconds(500)); // a 0.2 s single loop: it finishes, and the player unsubscribes

        Assert.IsFalse(player.IsPlaying);
        Assert.AreEqual(1, loops, "LoopCompleted of the last loop was raised");
        Assert.AreEqual(1, finished, "Finished was raised although the link failed to stop");
    }

    [TestMethod]
    public void Stop_LinkFailsToStop_ThrowsTheFailureAfterGoingBackToTheFirstFrameAndDroppingTheBuffer()
    {
        using var links = new FailingStopLinkProvider(s_period);
        using var image = TestAnimation.Image(4);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = new FrameBudget(64L * 1024 * 1024) });
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount >= 4, TimeSpan.FromSeconds(30)), "every frame buffered");
        player.Play();
        player.SeekToFrame(2);

        Assert.ThrowsExactly<InvalidOperationException>(player.Stop, "the backend's failure still reaches the caller");

        Assert.IsFalse(player.IsPlaying);
        Assert.AreEqual(0, player.CurrentFrameIndex, "Stop went back to the first frame all the same");
        Assert.IsLessThanOrEqualTo(1, player.BufferedFrameCount, "and dropped the buffered frames but the one on screen");
        using var shown = player.GetCurrentFrame();
        Assert.IsTrue(shown is null || shown.Index == 0, "nothing but the first frame is on screen");
    }

    [TestMethod]
    public void Play_PausedWhileItsLinkStartsAndTheLinkFailsToStop_StillShowsTheFirstFrame()
    {
        using var links = new FailingStopLinkProvider(s_period) { Link = { FailStops = false } };
        using var image = TestAnimation.Image(2, durationMs: 100, loopCount: 1);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = new FrameBudget(64L * 1024 * 1024) });
        Assert.IsTrue(SpinWait.SpinUntil(() => player.BufferedFrameCount >= 2, TimeSpan.FromSeconds(30)), "both frames buffered");
        player.Play();
        links.Link.Tick(TimeSpan.Zero);
        links.Link.Tick(TimeSpan.FromMilliseconds(500)); // the single loop ends on frame 1: Play starts over from frame 0
        Assert.IsTrue(SpinWait.SpinUntil(() => links.Link.Stops == 1, TimeSpan.FromSeconds(30)), "precondition: the finished player left the link, whose backend stopped");
        var shown = new List<int>();
        player.FrameChanged += (_, e) => shown.Add(e.Index);

        // Another thread's Pause lands between the link's start and the Play keeping the subscription, and the
        // subscription the Play then gives back fails to stop the link.
        links.Link.FailStops = true;
        links.Link.OnStart = player.Pause;
        Assert.ThrowsExactly<InvalidOperationException>(player.Play, "the failed stop reaches the caller");

        Assert.IsFalse(player.IsPlaying);
        Assert.AreEqual(0, player.CurrentFrameIndex);
        CollectionAssert.AreEqual(new[] { 0 }, shown, "the Play still raised FrameChanged for the first frame it put on screen");
        links.Link.FailStops = false;
    }

    /// <summary>A link that ticks only when told, and whose every stop throws after stopping nothing.</summary>
    private sealed class FailingStopLinkProvider(TimeSpan period, bool stopsOnTickThread = false) : DisplayLinkProvider
    {
        public FailingStopLink Link { get; } = new(period, stopsOnTickThread);

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

    private sealed class FailingStopLink(TimeSpan period, bool stopsOnTickThread) : DisplayLink
    {
        private int _disposing;

        public override TimeSpan RefreshPeriod => period;

        protected override bool CanStopOnTickThread => stopsOnTickThread;

        public void Tick(TimeSpan at) => DispatchTick(new DisplayLinkTick(at, at + period));

        private Action? _onStart;
        private int _stops;
        private volatile bool _failStops = true;

        /// <summary>Whether stops throw (until the link is disposed). Default: true.</summary>
        public bool FailStops
        {
            get => _failStops;
            set => _failStops = value;
        }

        /// <summary>Called by the next start only.</summary>
        public Action? OnStart
        {
            get => Volatile.Read(ref _onStart);
            set => Volatile.Write(ref _onStart, value);
        }

        /// <summary>Backend stops that succeeded.</summary>
        public int Stops => Volatile.Read(ref _stops);

        protected override void StartCore() => Interlocked.Exchange(ref _onStart, null)?.Invoke();

        // The provider's own Dispose stops the link for good: the fake lets that one through.
        protected override void StopCore()
        {
            StopOrThrow();
            Interlocked.Increment(ref _stops);
        }

        private void StopOrThrow()
        {
            if (_failStops && Volatile.Read(ref _disposing) == 0)
            {
                throw new InvalidOperationException("the backend could not stop");
            }
        }

        protected override void Dispose(bool disposing)
        {
            Volatile.Write(ref _disposing, 1);
            base.Dispose(disposing);
        }
    }
}
