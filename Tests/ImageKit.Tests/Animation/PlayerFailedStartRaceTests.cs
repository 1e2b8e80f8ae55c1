using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A <see cref="AnimatedImagePlayer.Play"/> whose display link fails to start rolls the player back to paused; other
/// threads' calls made while it was failing must not be undone by that roll-back. Each race is ordered by gates in the
/// fakes: the failing start waits in its provider, the newer start between subscribing and reading the link's period.
/// </summary>
[TestClass]
public sealed class PlayerFailedStartRaceTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Play_FailingWhileAPauseAndANewerPlaySucceed_LeavesThePlayerPlayingOnTheNewerSubscription()
    {
        using var links = new RaceLinkProvider(TimeSpan.FromMilliseconds(10));
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });

        var failing = Task.Run(() => Assert.ThrowsExactly<InvalidOperationException>(player.Play), TestContext.CancellationToken);
        Assert.IsTrue(links.FailingCallEntered.Wait(TimeSpan.FromSeconds(10), TestContext.CancellationToken), "the first Play asks for the link");
        player.Pause();
        links.Link.HoldNextPeriodRead = true;
        var newer = Task.Run(player.Play, TestContext.CancellationToken);
        Assert.IsTrue(links.Link.PeriodReadEntered.Wait(TimeSpan.FromSeconds(10), TestContext.CancellationToken), "the newer Play subscribed");

        links.ReleaseFailingCall.Set(); // the first Play fails now, between the newer one's subscription and its bookkeeping
        await failing;
        links.Link.ReleasePeriodRead.Set();
        await newer; // returns normally: the last call that succeeded is a Play

        Assert.IsTrue(
            player.IsPlaying && links.Link.SubscriberCount == 1,
            $"playing {player.IsPlaying}, subscribers {links.Link.SubscriberCount}: the failed Play's roll-back undid the newer Play");
    }

    [TestMethod]
    public async Task Play_CalledWhileAnotherPlaysStartIsFailing_LeavesThePlayerPlaying()
    {
        using var links = new RaceLinkProvider(TimeSpan.FromMilliseconds(10));
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });

        var failing = Task.Run(() => Assert.ThrowsExactly<InvalidOperationException>(player.Play), TestContext.CancellationToken);
        Assert.IsTrue(links.FailingCallEntered.Wait(TimeSpan.FromSeconds(10), TestContext.CancellationToken), "the first Play asks for the link");
        links.Link.HoldNextPeriodRead = true;
        var newer = Task.Run(player.Play, TestContext.CancellationToken);

        // The newer Play either subscribes itself (and waits at the period) or returns at once, trusting the failing start.
        var subscribing = Task.Run(() => links.Link.PeriodReadEntered.Wait(TimeSpan.FromSeconds(10), TestContext.CancellationToken), TestContext.CancellationToken);
        await Task.WhenAny(newer, subscribing);
        links.ReleaseFailingCall.Set();
        await failing;
        links.Link.ReleasePeriodRead.Set();
        await newer; // returned normally: the caller was told the player plays
        links.Link.HoldNextPeriodRead = false;
        links.Link.PeriodReadEntered.Set(); // ends the wait above when the newer Play never subscribed
        await subscribing;

        Assert.IsTrue(
            player.IsPlaying && links.Link.SubscriberCount == 1,
            $"playing {player.IsPlaying}, subscribers {links.Link.SubscriberCount}: a Play that returned normally left the player paused");
    }

    [TestMethod]
    public async Task Play_JoiningAStartInProgressAndFailing_DoesNotUndoThatStartWhenItSucceeds()
    {
        using var links = new RaceLinkProvider(TimeSpan.FromMilliseconds(10)) { SlowCallSucceeds = true, LaterCallsFail = true };
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });

        var slow = Task.Run(player.Play, TestContext.CancellationToken);
        Assert.IsTrue(links.FailingCallEntered.Wait(TimeSpan.FromSeconds(10), TestContext.CancellationToken), "the first Play asks for the link");
        try
        {
            player.Play(); // joins the start in progress; its own start fails (or it returns at once, trusting the other)
        }
        catch (InvalidOperationException)
        {
        }

        links.ReleaseFailingCall.Set();
        await slow; // the first start succeeds, and its Play returns normally

        Assert.IsTrue(
            player.IsPlaying && links.Link.SubscriberCount == 1,
            $"playing {player.IsPlaying}, subscribers {links.Link.SubscriberCount}: the joined Play's failure undid the start that succeeded");
    }

    /// <summary>
    /// Its first <see cref="GetDisplayLink"/> waits for <see cref="ReleaseFailingCall"/>, then throws (or, with
    /// <see cref="SlowCallSucceeds"/>, returns the link); later ones return the link (or throw, with <see cref="LaterCallsFail"/>).
    /// </summary>
    private sealed class RaceLinkProvider(TimeSpan period) : DisplayLinkProvider
    {
        private int _calls;

        public GatedLink Link { get; } = new(period);

        public ManualResetEventSlim FailingCallEntered { get; } = new();

        public ManualResetEventSlim ReleaseFailingCall { get; } = new();

        public bool SlowCallSucceeds { get; init; }

        public bool LaterCallsFail { get; init; }

        public override DisplayLink GetDisplayLink()
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                FailingCallEntered.Set();
                ReleaseFailingCall.Wait(TimeSpan.FromSeconds(30));
                return SlowCallSucceeds ? Link : throw new InvalidOperationException("the backend could not start");
            }

            return LaterCallsFail ? throw new InvalidOperationException("the backend could not start") : Link;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Link.Dispose();
                FailingCallEntered.Dispose();
                ReleaseFailingCall.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A link that never ticks; with <see cref="HoldNextPeriodRead"/>, the next read of its period waits for <see cref="ReleasePeriodRead"/>.</summary>
    private sealed class GatedLink(TimeSpan period) : DisplayLink
    {
        private int _hold;

        public bool HoldNextPeriodRead
        {
            get => Volatile.Read(ref _hold) == 1;
            set => Volatile.Write(ref _hold, value ? 1 : 0);
        }

        public ManualResetEventSlim PeriodReadEntered { get; } = new();

        public ManualResetEventSlim ReleasePeriodRead { get; } = new();

        public override TimeSpan RefreshPeriod
        {
            get
            {
                if (Interlocked.Exchange(ref _hold, 0) == 1)
                {
                    PeriodReadEntered.Set();
                    ReleasePeriodRead.Wait(TimeSpan.FromSeconds(30));
                }

                return period;
            }
        }

        protected override void StartCore()
        {
        }

        protected override void StopCore()
        {
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                PeriodReadEntered.Dispose();
                ReleasePeriodRead.Dispose();
            }
        }
    }
}
