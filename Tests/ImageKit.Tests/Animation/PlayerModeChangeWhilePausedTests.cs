using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>A paused player whose playback order changes puts the new order's frame on screen, as a seek does.</summary>
[TestClass]
public sealed class PlayerModeChangeWhilePausedTests
{
    /// <summary>
    /// Before the first Play, a new order starts at its own beginning: Reverse at frame 3. With every frame already
    /// decoded nothing else would show it (the worker shows a paused player's frame only when it decodes one), so frame 0
    /// stayed on screen, and no FrameChanged came, while CurrentFrameIndex said 3.
    /// </summary>
    [TestMethod]
    public async Task PlaybackMode_SetOnAPausedPlayerWithEveryFrameDecoded_PutsTheNewFirstFrameOnScreen()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, TimeSpan.FromMilliseconds(10));
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(64L * 1024 * 1024),
        });
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == 4 && ShownIndex(player) == 0), "every frame decoded, frame 0 on screen");
        var raised = new List<int>();
        player.FrameChanged += (_, e) =>
        {
            lock (raised)
            {
                raised.Add(e.Index);
            }
        };

        player.PlaybackMode = PlaybackMode.Reverse;

        Assert.AreEqual(3, player.CurrentFrameIndex);
        Assert.IsTrue(Leaks.Eventually(() => ShownIndex(player) == 3), $"frame {ShownIndex(player)} on screen");
        Assert.IsTrue(Leaks.Eventually(() => { lock (raised) { return raised.Contains(3); } }), "FrameChanged for frame 3");
    }

    private static int? ShownIndex(AnimatedImagePlayer player)
    {
        using var frame = player.GetCurrentFrame();
        return frame?.Index;
    }
}
