using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using ImageKit.Views;
using ImageKit.Views.Internal;

namespace ImageKit.Tests.Views;

/// <summary>
/// A player's <c>Pause</c> throws what its display link's backend throws when it fails to stop (after the player has
/// paused). The controller pauses the player from a view's toolkit callbacks (hidden, occluded, out of the window) and
/// when a player is attached: there the failure is reported through
/// <see cref="PlaybackVisibilityController.PauseFailed"/>, as a failed start is through StartFailed, never thrown into
/// the toolkit; the app's own <see cref="PlaybackVisibilityController.Pause"/> gets it thrown.
/// </summary>
[TestClass]
public sealed class PlaybackVisibilityControllerPauseFailureTests
{
    [TestMethod]
    [DataRow("window")]
    [DataRow("hidden")]
    [DataRow("occluded")]
    public void Visibility_PauseFailsWhenTheViewIsNoLongerVisible_IsReportedNotThrownAndPlaybackResumesLater(string input)
    {
        var player = new FailingPausePlayer();
        var controller = new PlaybackVisibilityController { IsInWindow = true };
        controller.Target = player;
        var failures = new List<Exception>();
        controller.PauseFailed += (sender, e) =>
        {
            Assert.AreSame(controller, sender);
            failures.Add(e.Exception);
        };

        controller.SetVisible(input, visible: false); // must not throw into the toolkit's callback

        Assert.HasCount(1, failures);
        Assert.IsInstanceOfType<InvalidOperationException>(failures[0]);
        Assert.IsFalse(controller.IsVisible, "the input was recorded although the pause it caused failed");
        Assert.IsFalse(player.IsPlaying);
        controller.SetVisible(input, visible: true);
        Assert.IsTrue(player.IsPlaying, "the controller's own pause is undone when the view is visible again");
    }

    [TestMethod]
    public void Player_RealPlayerWhoseLinkFailsToStop_HiddenReportsTheFailureAndResumesWhenShown()
    {
        using var link = new FailingStopLink();
        using var links = new SingleLinkProvider(link);
        using var image = TestAnimation.Image(4);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var controller = new PlaybackVisibilityController { IsInWindow = true, Player = player };
        Assert.IsTrue(player.IsPlaying);
        var failures = new List<Exception>();
        controller.PauseFailed += (_, e) => failures.Add(e.Exception);

        controller.IsHidden = true;

        Assert.HasCount(1, failures);
        Assert.IsFalse(player.IsPlaying, "the player paused although its link failed to stop");
        link.FailStops = false;
        controller.IsHidden = false;
        Assert.IsTrue(player.IsPlaying);
        controller.Player = null;
        player.Pause();
    }

    [TestMethod]
    public void Target_PlayingPlayerAttachedWithoutAutoPlayFailsToPause_IsReportedNotThrown()
    {
        var player = new FailingPausePlayer();
        player.Play();
        var controller = new PlaybackVisibilityController { IsInWindow = true, AutoPlay = false };
        var failures = 0;
        controller.PauseFailed += (_, _) => failures++;

        controller.Target = player;

        Assert.AreEqual(1, failures);
        Assert.AreSame(player, controller.Target, "attached all the same");
        Assert.IsFalse(player.IsPlaying);
    }

    [TestMethod]
    public void Pause_ByTheAppFails_IsThrownToTheAppNotReported()
    {
        var player = new FailingPausePlayer();
        var controller = new PlaybackVisibilityController { IsInWindow = true };
        controller.Target = player;
        var reported = 0;
        controller.PauseFailed += (_, _) => reported++;

        Assert.ThrowsExactly<InvalidOperationException>(controller.Pause);

        Assert.AreEqual(0, reported);
        Assert.IsFalse(controller.WantsPlayback);
    }

    private sealed class SingleLinkProvider(DisplayLink link) : DisplayLinkProvider
    {
        public override DisplayLink GetDisplayLink() => link;
    }

    // A link whose backend fails to stop while FailStops is set: the failure reaches the thread that unsubscribes.
    private sealed class FailingStopLink : DisplayLink
    {
        private volatile bool _failStops = true;

        public bool FailStops
        {
            get => _failStops;
            set => _failStops = value;
        }

        public override TimeSpan RefreshPeriod => TimeSpan.FromMilliseconds(10);

        protected override void StartCore()
        {
        }

        protected override void StopCore()
        {
            if (_failStops)
            {
                throw new InvalidOperationException("the backend failed to stop");
            }
        }

        protected override void Dispose(bool disposing)
        {
            _failStops = false;
            base.Dispose(disposing);
        }
    }

    // As AnimatedImagePlayer.Pause on a link whose backend fails to stop: paused, then the failure is thrown.
    private sealed class FailingPausePlayer : IPlaybackTarget
    {
        public bool IsPlaying { get; private set; }

        public bool IsDisposed => false;

        public void Play() => IsPlaying = true;

        public void Pause()
        {
            IsPlaying = false;
            throw new InvalidOperationException("the display link's backend failed to stop");
        }
    }
}
