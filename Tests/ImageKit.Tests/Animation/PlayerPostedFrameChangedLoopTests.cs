using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Animation;

/// <summary>
/// A frame change posted to a synchronization context describes the frame that was shown: its loop too, not the loop the
/// clock has reached by the time the post runs (one more, once the clock has passed a loop boundary meanwhile).
/// </summary>
[TestClass]
public sealed class PlayerPostedFrameChangedLoopTests
{
    [TestMethod]
    public async Task FrameChanged_PostedAndRunAfterTheClockPassedALoopBoundary_ReportsTheLoopOfTheFrameShown()
    {
        // Frames 0, 1, 2 of 100 ms; frame 0 is corrupt, so the second loop's first step shows nothing new: frame 2 of the
        // first loop stays on screen while the clock plays loop 1.
        using var image = new AnimatedImage(
            new FlakyFrameSource(frameCount: 3, failing: 0, failures: -1, () => new ImageDecodingException("corrupt")), ReadOnlyMemory<byte>.Empty);
        using var clock = new PlayerTimingTests.Clock();
        var context = new QueueingContext();
        await using var player = new AnimatedImagePlayer(image, clock.Options with { SynchronizationContext = context });
        var changes = new List<(int Index, int Loop)>();
        player.FrameChanged += (_, e) => changes.Add((e.Index, e.Loop));
        Assert.IsTrue(
            SpinWait.SpinUntil(() => player.BufferedFrameCount == 2 && player.Statistics.DecodeErrors == 1, TimeSpan.FromSeconds(10)),
            "frames 1 and 2 decode, frame 0 fails");

        player.Play();
        clock.TickAt(0);
        clock.TickAt(250); // frame 2 of loop 0 shown: its change is posted
        clock.TickAt(310); // loop 1, frame 0: not decodable, frame 2 stays on screen
        Assert.AreEqual(1, player.CurrentLoop);

        context.RunAll();

        CollectionAssert.AreEqual(new[] { (2, 0) }, changes.ToArray(), "frame 2 was shown in loop 0");
    }
}
