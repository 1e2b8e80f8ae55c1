using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

/// <summary>
/// <see cref="AnimatedImagePlayer.Play"/> after <see cref="AnimatedImagePlayer.Finished"/> starts over: also when a
/// <see cref="AnimatedImagePlayer.Stop"/> that does not rewind (<see cref="AnimatedImagePlayerOptions.ResetFrameIndexWhenStopped"/>
/// off) or a <see cref="AnimatedImagePlayer.Pause"/> came in between, which leave the finished player where it ended.
/// </summary>
[TestClass]
public sealed class PlayerPlayAfterFinishedTests
{
    private const int Frames = 4;
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    [TestMethod]
    [DataRow("none", true)]
    [DataRow("none", false)]
    [DataRow("pause", true)]
    [DataRow("stop", true)]
    [DataRow("stop", false)]
    public async Task Play_OnAFinishedPlayer_StartsOverAndPlaysEveryFrameAgain(string between, bool clearBuffer)
    {
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(Frames);
        await using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = new FrameBudget(1024 * 1024),
            ResetFrameIndexWhenStopped = false,
            ClearBufferWhenStopped = clearBuffer,
        })
        {
            TotalLoopCount = 1,
        };
        var finished = 0;
        player.Finished += (_, _) => finished++;
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == Frames), "every frame decodes");

        player.Play();
        Run(time, TimeSpan.FromSeconds(1));
        Assert.IsTrue(finished == 1 && player.CurrentFrameIndex == Frames - 1, $"the first playback finished ({finished}) on frame {player.CurrentFrameIndex}");

        switch (between)
        {
            case "pause":
                player.Pause();
                break;
            case "stop":
                player.Stop();
                Assert.AreEqual(Frames - 1, player.CurrentFrameIndex, "a Stop that does not rewind stays on the last frame");
                break;
        }

        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount >= 1), "the frame on screen is buffered");
        var shown = new List<int>();
        player.FrameChanged += (_, e) =>
        {
            lock (shown)
            {
                shown.Add(e.Index);
            }
        };
        player.Play();
        var startedOn = player.CurrentFrameIndex;
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == Frames), "every frame decodes again");
        Run(time, TimeSpan.FromSeconds(1));

        lock (shown)
        {
            Assert.AreEqual(0, startedOn, $"Play started on frame {startedOn}; shown after it: {string.Join(",", shown)}");
            CollectionAssert.IsSubsetOf(new[] { 1, 2, 3 }, shown, $"the second playback showed {string.Join(",", shown)}");
        }

        Assert.AreEqual(2, finished, "the second playback finished once");
    }

    private static void Run(FakeTimeProvider time, TimeSpan duration)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += s_period)
        {
            time.Advance(s_period);
        }
    }
}
