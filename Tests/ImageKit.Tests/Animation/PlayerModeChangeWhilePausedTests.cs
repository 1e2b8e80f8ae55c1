using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A change of playback order: at the start of the playback the new order starts at its own beginning, and its frame goes
/// on screen as a seek's does; elsewhere the frame and loop stay.
/// </summary>
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

    /// <summary>
    /// Stop goes back to the start of the playback, where a new order starts at its own beginning, as it does on a new
    /// player. It used to keep frame 0, the last step of the reverse order: the next Play showed frame 0, completed the
    /// loop 100 ms later and, with one loop to play, finished after that one frame.
    /// </summary>
    [TestMethod]
    public async Task PlaybackMode_SetAfterStop_PlaysTheNewOrderFromItsBeginning()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, TimeSpan.FromMilliseconds(10));
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(64L * 1024 * 1024),
            ClearBufferWhenStopped = false,
        })
        {
            TotalLoopCount = 1,
        };
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == 4), "every frame decoded");
        player.Play();
        Run(time, TimeSpan.FromMilliseconds(250));
        player.Stop();
        var shown = new List<int>();
        var finished = 0;
        player.FrameChanged += (_, e) => shown.Add(e.Index);
        player.Finished += (_, _) => finished++;

        player.PlaybackMode = PlaybackMode.Reverse;
        player.Play();
        Run(time, TimeSpan.FromSeconds(1));

        CollectionAssert.AreEqual(new[] { 3, 2, 1, 0 }, shown, "frames shown: " + string.Join(",", shown));
        Assert.AreEqual(1, finished);
    }

    /// <summary>A seek before the first Play is kept by a change of order, as the setter says: the current frame stays.</summary>
    [TestMethod]
    public async Task PlaybackMode_SetAfterASeekBeforeTheFirstPlay_KeepsTheSoughtFrame()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, TimeSpan.FromMilliseconds(10));
        using var image = TestAnimation.Image(4);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(64L * 1024 * 1024),
        });

        player.SeekToFrame(2, loop: 1);
        player.PlaybackMode = PlaybackMode.Bounce;

        Assert.AreEqual((2, 1), (player.CurrentFrameIndex, player.CurrentLoop));
    }

    private static void Run(FakeTimeProvider time, TimeSpan duration)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += TimeSpan.FromMilliseconds(10))
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
    }

    private static int? ShownIndex(AnimatedImagePlayer player)
    {
        using var frame = player.GetCurrentFrame();
        return frame?.Index;
    }
}
