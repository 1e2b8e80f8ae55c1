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
}
