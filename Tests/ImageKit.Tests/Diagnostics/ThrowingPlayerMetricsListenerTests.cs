using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Diagnostics;

/// <summary>
/// A meter listener that throws is the app's bug; a player must play on as without it. Before, Play threw the
/// listener's exception (the players-playing +1), and each frame shown threw it out of the tick that showed it.
/// </summary>
[TestClass]
public sealed class ThrowingPlayerMetricsListenerTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Play_MeterListenerThrowsOnEveryMeasurement_PlaysEveryFrameAndStops()
    {
        using var meters = new ScopedMeterFactory();
        using var listener = new ThrowingMeterListener(meters);
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(3, durationMs: 20);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, MeterFactory = meters });
        var changes = 0;
        player.FrameChanged += (_, _) => Interlocked.Increment(ref changes);

        player.Play();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Volatile.Read(ref changes) < 4 && DateTime.UtcNow < deadline)
        {
            time.Advance(s_period);
            await Task.Delay(5, TestContext.CancellationToken);
        }

        Assert.IsGreaterThanOrEqualTo(4, Volatile.Read(ref changes), "the player went on showing frames");
        Assert.IsTrue(player.IsPlaying);
        player.Stop();
        Assert.IsFalse(player.IsPlaying);
        Assert.IsGreaterThan(0, listener.Thrown, "the listener was called");
    }

    // A one-frame image's loop ends on the frame already on screen (the "same picture" step, counted shown without a
    // FrameChanged): that count went to the meter without containment, so the listener's exception left the tick
    // half-way, after its clock had completed the loop, and that tick's LoopCompleted was never raised.
    [TestMethod]
    public void Play_MeterListenerThrows_AStillRaisesEveryLoopCompletedAndFinished()
    {
        using var meters = new ScopedMeterFactory();
        using var listener = new ThrowingMeterListener(meters);
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(1, durationMs: 100);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, MeterFactory = meters, Budget = new FrameBudget(1024 * 1024) })
        {
            TotalLoopCount = 3,
        };
        var loops = new List<int>();
        var finished = 0;
        player.LoopCompleted += (_, e) =>
        {
            lock (loops)
            {
                loops.Add(e.Loop);
            }
        };
        player.Finished += (_, _) => Interlocked.Increment(ref finished);
        Assert.IsTrue(Leaks.Eventually(() => player.BufferedFrameCount == 1), "the frame decodes");

        player.Play();
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(1); elapsed += s_period)
        {
            time.Advance(s_period);
        }

        lock (loops)
        {
            CollectionAssert.AreEqual(new[] { 0, 1, 2 }, loops.ToArray(), "loops raised: " + string.Join(",", loops));
        }

        Assert.AreEqual(1, Volatile.Read(ref finished));
        Assert.AreEqual(3L, player.Statistics.LoopsCompleted);
        Assert.AreEqual(0L, links.GetDisplayLink().FailedTicks, "a tick threw the listener's exception");
        Assert.IsGreaterThan(0, listener.Thrown, "the listener was called");
    }
}
