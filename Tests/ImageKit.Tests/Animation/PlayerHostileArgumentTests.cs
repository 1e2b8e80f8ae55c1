using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>Values the player's API accepts by type but that make no sense, and app handlers that throw.</summary>
[TestClass]
public sealed class PlayerHostileArgumentTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    [TestMethod]
    public async Task PlaybackRate_HugeFiniteValue_IsRejectedOrStillPlaysToTheEnd()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(4, loopCount: 1);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var finished = 0;
        player.Finished += (_, _) => Interlocked.Increment(ref finished);
        try
        {
            player.PlaybackRate = 1e300;
        }
        catch (ArgumentOutOfRangeException)
        {
            return; // rejecting the rate at the call is a fine answer
        }

        player.Play();
        for (var i = 0; i < 10; i++)
        {
            time.Advance(s_period);
        }

        // Accepted, a rate this fast must play the one loop at once, not freeze the player on its first frame (each tick's
        // elapsed time × rate overflows TimeSpan and the link swallows the OverflowException).
        Assert.AreEqual(1, Volatile.Read(ref finished), $"frame {player.CurrentFrameIndex}, playing {player.IsPlaying}");
    }

    [TestMethod]
    public async Task LoopCompleted_HandlerThrows_FinishedIsStillRaised()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(2, loopCount: 1);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var finished = 0;
        player.LoopCompleted += (_, _) => throw new InvalidOperationException("the app's handler failed");
        player.Finished += (_, _) => Interlocked.Increment(ref finished);

        player.Play();
        for (var i = 0; i < 50; i++)
        {
            time.Advance(s_period);
        }

        Assert.IsFalse(player.IsPlaying, "the player finished its one loop");
        Assert.AreEqual(1, Volatile.Read(ref finished), "one handler's exception must not swallow the other events of the tick");
    }

    [TestMethod]
    public async Task CurrentLoop_SeekToLoopIntMaxValueWithEndlessLoops_DoesNotWrapNegative()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(2);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var loops = new List<int>();
        player.LoopCompleted += (_, e) => loops.Add(e.Loop);

        player.SeekToFrame(1, int.MaxValue);
        player.Play();
        for (var i = 0; i < 30; i++)
        {
            time.Advance(s_period);
        }

        Assert.IsNotEmpty(loops, "the last frame of the loop ended");
        Assert.IsGreaterThanOrEqualTo(0, player.CurrentLoop, $"CurrentLoop {player.CurrentLoop}");
    }
}
