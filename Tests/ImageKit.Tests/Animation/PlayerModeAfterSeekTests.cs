using ImageKit.Animation;
using ImageKit.Decoding;

namespace ImageKit.Tests.Animation;

/// <summary>
/// Changing <see cref="AnimatedImagePlayer.PlaybackMode"/> keeps the frame due, except at the very start of the playback (a
/// new player, or one <see cref="AnimatedImagePlayer.Stop"/> rewound). A seek to frame 0 of loop 0 chose that frame: it is
/// not the start of the playback, though it looks like it (step 0, loop 0, no time run).
/// </summary>
[TestClass]
public sealed class PlayerModeAfterSeekTests
{
    [TestMethod]
    public async Task PlaybackMode_SetAfterASeekToTheFirstFrame_KeepsTheFrameSoughtTo()
    {
        using var image = PlayerTimingTests.Durations([100, 100, 100, 100], FrameDurationPolicy.Browser);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);

        player.Play();
        clock.TickAt(0);
        clock.TickAt(150);
        Assert.AreEqual(1, player.CurrentFrameIndex);

        player.SeekToFrame(0);
        player.PlaybackMode = PlaybackMode.Reverse;

        Assert.AreEqual(0, player.CurrentFrameIndex, "the frame sought to stays due");
        clock.TickAt(160);
        clock.TickAt(270);
        Assert.AreEqual(3, player.CurrentFrameIndex, "110 ms later, reverse goes on from frame 0 to frame 3");
    }

    [TestMethod]
    public async Task PlaybackMode_SetOnANewPlayerOrAfterStop_StartsTheNewOrderAtItsBeginning()
    {
        using var image = PlayerTimingTests.Durations([100, 100, 100, 100], FrameDurationPolicy.Browser);
        using var clock = new PlayerTimingTests.Clock();
        await using var player = new AnimatedImagePlayer(image, clock.Options);

        player.PlaybackMode = PlaybackMode.Reverse;
        Assert.AreEqual(3, player.CurrentFrameIndex, "a new player: reverse starts at the last frame");

        player.PlaybackMode = PlaybackMode.Normal;
        Assert.AreEqual(0, player.CurrentFrameIndex, "still at the start: normal starts at the first frame");

        player.Play();
        clock.TickAt(0);
        clock.TickAt(150);
        player.SeekToFrame(2);
        player.Stop();
        player.PlaybackMode = PlaybackMode.Reverse;
        Assert.AreEqual(3, player.CurrentFrameIndex, "after Stop rewound: reverse starts at the last frame");
    }
}
