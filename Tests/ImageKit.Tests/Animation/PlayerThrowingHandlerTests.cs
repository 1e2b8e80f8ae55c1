using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A handler that throws is counted and never stops playback: nor does it keep the player's other subscribers (a view
/// showing the frames, the app's own handler) from being called.
/// </summary>
[TestClass]
public sealed class PlayerThrowingHandlerTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The app's handlers, subscribed first, throw; the handlers subscribed after them (a view's) must still get every frame
    /// change, the completed loop and the end. A multicast event invoked as one delegate stopped at the first handler that
    /// threw: the view froze on its first frame and never heard that the animation finished.
    /// </summary>
    [TestMethod]
    public async Task Events_FirstHandlerThrows_TheOtherHandlersAreStillCalled()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(4, loopCount: 1);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(64L * 1024 * 1024),
        });
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == 4), "every frame decoded");
        var frames = new List<int>();
        var loops = new List<int>();
        var finished = 0;
        player.FrameChanged += (_, _) => throw new InvalidOperationException("the app's handler failed");
        player.LoopCompleted += (_, _) => throw new InvalidOperationException("the app's handler failed");
        player.Finished += (_, _) => throw new InvalidOperationException("the app's handler failed");
        player.FrameChanged += (_, e) => frames.Add(e.Index);
        player.LoopCompleted += (_, e) => loops.Add(e.Loop);
        player.Finished += (_, _) => finished++;

        player.Play();
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(1); elapsed += s_period)
        {
            time.Advance(s_period);
        }

        Assert.IsFalse(player.IsPlaying, "the one loop was played");
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, frames, "frame changes the second handler saw");
        CollectionAssert.AreEqual(new[] { 0 }, loops);
        Assert.AreEqual(1, finished);
        Assert.IsGreaterThan(0L, links.GetDisplayLink().FailedTicks, "the failures are still counted");
    }
}
