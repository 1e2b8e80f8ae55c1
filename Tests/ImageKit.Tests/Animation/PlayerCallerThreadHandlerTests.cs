using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A frame already buffered is shown at once by the call that makes it due (a seek, a stop that rewinds, a replay after
/// the end, a new playback order), and FrameChanged is raised there, on the caller's thread. README: a handler that throws
/// "is counted, never stops playback"; raised from a tick or the thread pool it is. Raised from one of those calls it went
/// out of the call instead: the caller (a view seeking or replaying, not the handler's author) was thrown the app's
/// exception from a call that had done its work.
/// </summary>
[TestClass]
public sealed class PlayerCallerThreadHandlerTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    [TestMethod]
    public void SeekStopAndReplay_FrameChangedHandlerThrows_TheCallsDoNotThrowAndTheFailuresAreCounted()
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(3, durationMs: 20, loopCount: 1);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(64L * 1024 * 1024),
            ClearBufferWhenStopped = false,
        });
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == 3), "every frame decoded");
        Assert.IsTrue(Leaks.Eventually(() => player.GetCurrentFrame() is { } shown && DisposeAndTrue(shown)), "the first frame is on screen");
        var frames = new List<int>();
        player.FrameChanged += (_, e) =>
        {
            lock (frames)
            {
                frames.Add(e.Index);
            }

            throw new InvalidOperationException("the app's handler failed");
        };

        var failures = new List<string>();
        Try(() => player.SeekToFrame(2), "SeekToFrame", failures);                      // frame 2
        Try(player.Stop, "Stop", failures);                                              // rewound: frame 0
        Try(() => player.PlaybackMode = PlaybackMode.Reverse, "PlaybackMode", failures); // at the start: frame 2
        Try(() => player.PlaybackMode = PlaybackMode.Normal, "PlaybackMode", failures);  // at the start: frame 0
        Try(player.Play, "Play", failures);
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(1) && player.IsPlaying; elapsed += s_period)
        {
            time.Advance(s_period); // frames 1 and 2 from ticks, whose failures the link counts
        }

        Assert.IsFalse(player.IsPlaying, "precondition: the one loop was played");
        Try(player.Play, "Play after the end", failures);                                // starts over: frame 0

        Assert.IsEmpty(failures, "calls that threw the handler's exception: " + string.Join(", ", failures));
        lock (frames)
        {
            CollectionAssert.AreEqual(new[] { 2, 0, 2, 0, 1, 2, 0 }, frames.Take(7).ToArray(), "frame changes: " + string.Join(",", frames));
        }

        Assert.AreEqual(5L, player.FailedHandlers, "the handler's failures raised on the callers' threads are counted");
        player.Pause();
    }

    private static bool DisposeAndTrue(ImageFrame frame)
    {
        frame.Dispose();
        return true;
    }

    private static void Try(Action call, string name, List<string> failures)
    {
        try
        {
            call();
        }
        catch (InvalidOperationException e)
        {
            failures.Add($"{name}: {e.Message}");
        }
    }
}
