using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using ImageKit.Views;
using ImageKit.Views.Internal;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Views;

[TestClass]
public sealed class PlaybackVisibilityControllerTests
{
    [TestMethod]
    public void Target_AttachedWhileVisibleWithAutoPlay_Plays()
    {
        var (controller, player) = Visible();

        controller.Target = player;

        Assert.IsTrue(player.IsPlaying);
        Assert.AreEqual("play", player.Log);
    }

    [TestMethod]
    public void Target_AttachedWithoutAutoPlay_StaysPausedUntilPlay()
    {
        var (controller, player) = Visible();
        controller.AutoPlay = false;

        controller.Target = player;
        Assert.IsFalse(player.IsPlaying);

        controller.Play();
        Assert.IsTrue(player.IsPlaying);
    }

    [TestMethod]
    public void Player_AlreadyPlayingAttachedWithoutAutoPlayWhileVisible_IsPausedUntilPlay()
    {
        // Without AutoPlay the app does not want a newly attached player playing: it runs only after Play, whether the
        // view was visible when the player came (here) or became visible later (where it was already paused).
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        using var image = TestAnimation.Image(4);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        player.Play();
        var controller = new PlaybackVisibilityController { IsInWindow = true, AutoPlay = false };

        controller.Player = player;

        Assert.IsFalse(controller.WantsPlayback);
        Assert.IsFalse(player.IsPlaying, "an unwanted player kept playing in a visible view");
        controller.IsHidden = true;
        controller.IsHidden = false;
        Assert.IsFalse(player.IsPlaying);
        controller.Play();
        Assert.IsTrue(player.IsPlaying);
    }

    [TestMethod]
    public void Target_AttachedOutOfWindow_StartsWhenTheViewEntersAWindow()
    {
        var controller = new PlaybackVisibilityController();
        var player = new FakePlayer();

        controller.Target = player;
        Assert.IsFalse(player.IsPlaying, "not in a window");

        controller.IsInWindow = true;
        Assert.IsTrue(player.IsPlaying);
    }

    [TestMethod]
    [DataRow("window")]
    [DataRow("hidden")]
    [DataRow("occluded")]
    public void Visibility_LostThenRegained_PausesThenResumes(string input)
    {
        var (controller, player) = Visible();
        controller.Target = player;

        controller.SetVisible(input, visible: false);
        Assert.IsFalse(player.IsPlaying, $"{input}: paused while invisible");
        Assert.IsFalse(controller.IsVisible);
        Assert.IsTrue(controller.WantsPlayback, "the app's intent is unchanged");

        controller.SetVisible(input, visible: true);
        Assert.IsTrue(player.IsPlaying, $"{input}: resumed");
        Assert.AreEqual("play pause play", player.Log);
    }

    [TestMethod]
    public void Visibility_SeveralReasonsOverlap_ResumesOnlyWhenAllAreGone()
    {
        var (controller, player) = Visible();
        controller.Target = player;

        controller.IsOccluded = true;
        controller.IsHidden = true;
        controller.IsOccluded = false;
        Assert.IsFalse(player.IsPlaying, "still hidden");
        controller.IsInWindow = false;
        controller.IsHidden = false;
        Assert.IsFalse(player.IsPlaying, "still out of the window");

        controller.IsInWindow = true;
        Assert.IsTrue(player.IsPlaying);
        Assert.AreEqual("play pause play", player.Log, "one pause, one resume");
    }

    [TestMethod]
    public void Pause_ByTheApp_StaysPausedWhenBecomingVisibleAgain()
    {
        var (controller, player) = Visible();
        controller.Target = player;

        controller.Pause();
        controller.IsOccluded = true;
        controller.IsOccluded = false;
        controller.IsInWindow = false;
        controller.IsInWindow = true;

        Assert.IsFalse(player.IsPlaying);
        Assert.IsFalse(controller.WantsPlayback);
        Assert.AreEqual("play pause", player.Log);
    }

    [TestMethod]
    public void Pause_WhileInvisible_IsNotUndoneByBecomingVisible()
    {
        var (controller, player) = Visible();
        controller.Target = player;
        controller.IsHidden = true;

        controller.Pause();
        controller.IsHidden = false;

        Assert.IsFalse(player.IsPlaying);
    }

    [TestMethod]
    public void Play_WhileInvisible_WaitsForVisibility()
    {
        var (controller, player) = Visible();
        controller.AutoPlay = false;
        controller.Target = player;
        controller.IsOccluded = true;

        controller.Play();
        Assert.IsFalse(player.IsPlaying, "occluded");
        Assert.IsTrue(controller.WantsPlayback);

        controller.IsOccluded = false;
        Assert.IsTrue(player.IsPlaying);
    }

    [TestMethod]
    public void Visibility_FinishedAnimationHiddenAndShown_IsNotRestarted()
    {
        var (controller, player) = Visible();
        controller.Target = player;
        player.Finish();

        controller.IsHidden = true;
        controller.IsHidden = false;

        Assert.IsFalse(player.IsPlaying);
        Assert.AreEqual("play finish", player.Log);
    }

    [TestMethod]
    public void Play_AfterFinish_RestartsWhileVisible()
    {
        var (controller, player) = Visible();
        controller.Target = player;
        player.Finish();

        controller.Play();

        Assert.IsTrue(player.IsPlaying);
    }

    [TestMethod]
    public void Visibility_UnchangedInputSetAgain_DoesNothing()
    {
        var (controller, player) = Visible();
        controller.Target = player;

        controller.IsInWindow = true;
        controller.IsHidden = false;
        controller.IsOccluded = false;

        Assert.AreEqual("play", player.Log);
    }

    [TestMethod]
    public void Target_Replaced_LeavesTheOldPlayerAndAppliesAutoPlayToTheNew()
    {
        var (controller, first) = Visible();
        controller.Target = first;
        controller.Pause();
        var second = new FakePlayer();

        controller.Target = second;
        controller.IsHidden = true;
        controller.IsHidden = false;

        Assert.IsTrue(second.IsPlaying, "a new player gets AutoPlay again");
        Assert.AreEqual("play pause", first.Log, "the old player is left alone");
    }

    [TestMethod]
    public void Target_Detached_VisibilityChangesDoNothing()
    {
        var (controller, player) = Visible();
        controller.Target = player;
        controller.Target = null;

        controller.IsHidden = true;
        controller.IsHidden = false;
        controller.Play();

        Assert.AreEqual("play", player.Log);
        Assert.IsNull(controller.Player);
    }

    [TestMethod]
    public void Player_RealPlayerOnManualLink_PausesWhenOccludedAndResumes()
    {
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider());
        using var image = TestAnimation.Image(4);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var controller = new PlaybackVisibilityController { IsInWindow = true };

        controller.Player = player;
        Assert.AreSame(player, controller.Player);
        Assert.IsTrue(player.IsPlaying);

        controller.IsOccluded = true;
        Assert.IsFalse(player.IsPlaying);

        controller.IsOccluded = false;
        Assert.IsTrue(player.IsPlaying);
    }

    [TestMethod]
    public void Visibility_StartThatFailed_IsReportedNotThrownAndTriedAgainWhenTheViewBecomesVisibleAgain()
    {
        // A display link that fails to start throws DisplayLinkException from the player's Play and leaves it paused. The
        // player is attached and the visibility inputs set by a view's toolkit callbacks (AppKit's viewDidMoveToWindow,
        // an occlusion notification): an exception there would reach the toolkit, so the failure is reported instead.
        var controller = new PlaybackVisibilityController { IsInWindow = true };
        var player = new FailingOncePlayer();
        var failures = new List<Exception>();
        controller.StartFailed += (sender, e) =>
        {
            Assert.AreSame(controller, sender);
            failures.Add(e.Exception);
        };

        controller.Target = player;
        Assert.IsFalse(player.IsPlaying);
        Assert.HasCount(1, failures);
        Assert.IsInstanceOfType<DisplayLinkException>(failures[0]);
        controller.IsHidden = true;
        controller.IsHidden = false;

        Assert.IsTrue(player.IsPlaying, $"the player stays stopped for good after one failed start (Play calls: {player.PlayCalls})");
        Assert.AreEqual(2, player.PlayCalls);
        Assert.HasCount(1, failures, "the second start succeeded");
    }

    [TestMethod]
    public void Visibility_StartFailsInAVisibilityInput_TheInputStillTakesEffect()
    {
        var controller = new PlaybackVisibilityController { IsInWindow = false, AutoPlay = true };
        var player = new FailingOncePlayer();
        controller.Target = player;
        var failures = 0;
        controller.StartFailed += (_, _) => failures++;

        controller.IsInWindow = true; // starts the player, which fails

        Assert.IsTrue(controller.IsInWindow && controller.IsVisible, "the input was recorded although the start it caused failed");
        Assert.AreEqual(1, failures);
        controller.IsOccluded = true;
        controller.IsOccluded = false;
        Assert.IsTrue(player.IsPlaying);
    }

    [TestMethod]
    public void Play_StartThatFailed_IsThrownToTheAppAndTriedAgainAtTheNextPlay()
    {
        var controller = new PlaybackVisibilityController { IsInWindow = true, AutoPlay = false };
        var player = new FailingOncePlayer();
        controller.Target = player;
        var reported = 0;
        controller.StartFailed += (_, _) => reported++;

        Assert.ThrowsExactly<DisplayLinkException>(controller.Play);
        Assert.AreEqual(0, reported, "the app that called Play gets the exception itself");
        Assert.IsFalse(player.IsPlaying);
        controller.Play();
        Assert.IsTrue(player.IsPlaying);
    }

    private static (PlaybackVisibilityController Controller, FakePlayer Player) Visible() =>
        (new PlaybackVisibilityController { IsInWindow = true }, new FakePlayer());

    private sealed class FakePlayer : IPlaybackTarget
    {
        private readonly List<string> _calls = [];

        public bool IsPlaying { get; private set; }

        public string Log => string.Join(' ', _calls);

        public void Play()
        {
            _calls.Add("play");
            IsPlaying = true;
        }

        public void Pause()
        {
            _calls.Add("pause");
            IsPlaying = false;
        }

        public void Finish()
        {
            _calls.Add("finish");
            IsPlaying = false;
        }
    }

    private sealed class FailingOncePlayer : IPlaybackTarget
    {
        public int PlayCalls { get; private set; }

        public bool IsPlaying { get; private set; }

        public void Play()
        {
            if (++PlayCalls == 1)
            {
                throw new DisplayLinkException("CVDisplayLinkStart failed"); // as AnimatedImagePlayer.Play, left paused
            }

            IsPlaying = true;
        }

        public void Pause() => IsPlaying = false;
    }
}
