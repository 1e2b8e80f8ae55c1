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

    /// <summary>1e9 hung the display-link thread (10⁸ steps per tick under the lock); 1e300 froze the player on frame 0.</summary>
    [TestMethod]
    [DataRow(1e9)]
    [DataRow(1e300)]
    [DataRow(AnimatedImagePlayer.MaxPlaybackRate + 0.5)]
    public async Task PlaybackRate_AboveTheMaximum_IsRefused(double rate)
    {
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider(), s_period);
        using var image = TestAnimation.Image(4, loopCount: 1);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => player.PlaybackRate = rate);
        Assert.AreEqual(1.0, player.PlaybackRate);
    }

    [TestMethod]
    public async Task PlaybackRate_AtTheMaximum_PlaysTheLoopWithinATick()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(4, loopCount: 1);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        var finished = 0;
        player.Finished += (_, _) => Interlocked.Increment(ref finished);

        player.PlaybackRate = AnimatedImagePlayer.MaxPlaybackRate;
        player.Play();
        time.Advance(s_period); // the first tick starts the clock
        time.Advance(s_period); // 10 ms × 100 = 1 s of a 0.4 s loop

        Assert.AreEqual(1, Volatile.Read(ref finished));
        Assert.IsFalse(player.IsPlaying);
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

    [TestMethod]
    public async Task SeekToFrameOrPlaybackMode_AfterDispose_ThrowObjectDisposed()
    {
        using var links = new ManualDisplayLinkProvider(new FakeTimeProvider(), s_period);
        using var image = TestAnimation.Image(4);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links });
        await player.DisposeAsync();

        // Both went on before: a seek could even put a frame on screen that nothing would release.
        Assert.ThrowsExactly<ObjectDisposedException>(() => player.SeekToFrame(1));
        Assert.ThrowsExactly<ObjectDisposedException>(() => player.PlaybackMode = PlaybackMode.Bounce);
        Assert.ThrowsExactly<ObjectDisposedException>(() => _ = player.Image);
    }
}
