using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>Events posted to an application's SynchronizationContext before Dispose, run after it.</summary>
[TestClass]
public sealed class PlayerPostedEventsAfterDisposeTests
{
    /// <summary>
    /// LoopCompleted and Finished posted to the UI context before Dispose used to run after it (a posted FrameChanged was
    /// dropped): a handler reading the sender's Image then threw on the UI thread. They are dropped too.
    /// </summary>
    [TestMethod]
    public async Task Finished_PostedBeforeDispose_DoesNotThrowFromTheContextAfterDispose()
    {
        var time = new FakeTimeProvider();
        var context = new QueueingContext();
        using var links = new ManualDisplayLinkProvider(time, TimeSpan.FromMilliseconds(10));
        using var image = TestAnimation.Image(4, loopCount: 1);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, SynchronizationContext = context });
        var finishedFrameCount = 0;
        player.Finished += (sender, _) => finishedFrameCount = ((AnimatedImagePlayer)sender!).Image.FrameCount;

        player.PlaybackRate = AnimatedImagePlayer.MaxPlaybackRate;
        player.Play();
        time.Advance(TimeSpan.FromMilliseconds(10));
        time.Advance(TimeSpan.FromMilliseconds(10)); // 1 s of a 0.4 s single loop: Finished is posted
        Assert.IsGreaterThan(0, context.Pending);

        await player.DisposeAsync(); // the view moved on before the UI thread ran the posts

        var error = Record(context.RunAll);
        Assert.IsNull(error, $"a posted event ran after Dispose and its handler failed: {error}");
        Assert.IsTrue(finishedFrameCount is 0 or 4);
    }

    private static Exception? Record(Action action)
    {
        try
        {
            action();
            return null;
        }
#pragma warning disable CA1031 // recorded for the assertion
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }
    }
}
