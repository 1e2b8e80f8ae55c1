using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using ImageKit.Views;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Views;

/// <summary>
/// A player the app disposed while it was still attached to a <see cref="PlaybackVisibilityController"/> cannot play any
/// more: that is not a start that failed (a display link that could not start), so later visibility changes leave it
/// alone instead of trying it again and reporting <see cref="PlaybackVisibilityController.StartFailed"/> every time.
/// </summary>
[TestClass]
public sealed class PlaybackVisibilityControllerDisposedPlayerTests
{
    [TestMethod]
    public void Visibility_PlayerDisposedWhileHidden_IsNotStartedOrReportedWhenShownAgain()
    {
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        using var image = TestAnimation.Image(4);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var controller = new PlaybackVisibilityController { IsInWindow = true, Player = player };
        var failures = new List<Exception>();
        controller.StartFailed += (_, e) => failures.Add(e.Exception);
        controller.IsHidden = true; // paused by the controller: resumed when shown again, were the player alive

        player.Dispose();
        for (var i = 0; i < 3; i++)
        {
            controller.IsHidden = false;
            controller.IsHidden = true;
        }

        controller.IsHidden = false;
        Assert.IsEmpty(failures, $"a disposed player was reported as a failed start: {string.Join(" | ", failures.Select(e => e.GetType().Name))}");
        Assert.IsFalse(player.IsPlaying);
        Assert.AreEqual(0, links.GetDisplayLink().SubscriberCount, "the disposed player was not subscribed again");
    }

    [TestMethod]
    public void Player_DisposedPlayerAttached_IsLeftAloneWithoutAFailureOrAnException()
    {
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        using var image = TestAnimation.Image(4);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        player.Dispose();
        var controller = new PlaybackVisibilityController { IsInWindow = true };
        var failures = 0;
        controller.StartFailed += (_, _) => failures++;

        controller.Player = player;
        controller.IsOccluded = true;
        controller.IsOccluded = false;
        controller.Play(); // the app's own Play: nothing to play, and nothing thrown into its handler either
        controller.Pause();

        Assert.AreEqual(0, failures);
        Assert.IsFalse(player.IsPlaying);
        Assert.AreSame(player, controller.Player, "the controller does not detach it behind the app's back");
    }

    [TestMethod]
    public void Player_DisposedPlayerReplaced_TheNewPlayerPlays()
    {
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        using var image = TestAnimation.Image(4);
        var first = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        using var second = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var controller = new PlaybackVisibilityController { IsInWindow = true, Player = first };
        controller.IsHidden = true;
        first.Dispose();
        controller.IsHidden = false;

        controller.Player = second;

        Assert.IsTrue(second.IsPlaying);
    }
}
