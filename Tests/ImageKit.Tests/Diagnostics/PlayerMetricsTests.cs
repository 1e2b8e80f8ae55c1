using System.Diagnostics.Metrics;
using ImageKit.Animation;
using ImageKit.Diagnostics;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Diagnostics;

[TestClass]
public sealed class PlayerMetricsTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Play_ThenStop_CountsFramesShownAndPlayerPlayingUpThenDown()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var shown = new MetricCollector<long>(meters, ImageKitDiagnostics.MeterName, ImageKitDiagnostics.FramesShown);
        using var playing = new MetricCollector<long>(meters, ImageKitDiagnostics.MeterName, ImageKitDiagnostics.PlayersPlaying);
        using var bufferBytes = new MetricCollector<long>(meters, ImageKitDiagnostics.MeterName, ImageKitDiagnostics.FrameBufferBytes);
        var time = new FakeTimeProvider();
        var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(3, durationMs: 20);
        var budget = new FrameBudget(16L * 1024 * 1024);
        using var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions
        {
            DisplayLinkProvider = links,
            Budget = budget,
            MeterFactory = meters,
        });

        player.Play();
        CollectionAssert.AreEqual(new long[] { 1 }, playing.GetMeasurementSnapshot().Select(m => m.Value).ToArray());

        // Frames decode on the player's worker in real time; advance virtual time until a few have been shown.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (shown.GetMeasurementSnapshot().Sum(m => m.Value) < 3 && DateTime.UtcNow < deadline)
        {
            time.Advance(s_period);
            await Task.Delay(5, TestContext.CancellationToken);
        }

        // This player's own budget is one of the "other" budgets (other tests' players may add to it): its frames count.
        Assert.IsGreaterThan(0L, budget.UsedBytes);
        bufferBytes.RecordObservableInstruments();
        var observed = bufferBytes.GetMeasurementSnapshot();
        Assert.IsGreaterThan(0L, observed.Single(m => (string?)m.Tags["imagekit.frame_budget"] == "other").Value);
        Assert.ContainsSingle(observed.Where(m => (string?)m.Tags["imagekit.frame_budget"] == "shared"));

        player.Stop();

        Assert.IsGreaterThanOrEqualTo(3, shown.GetMeasurementSnapshot().Sum(m => m.Value));
        CollectionAssert.AreEqual(new long[] { 1, -1 }, playing.GetMeasurementSnapshot().Select(m => m.Value).ToArray());
    }

    [TestMethod]
    public async Task PlayerDroppedWhilePlaying_IsCollected_AndNoLongerCountsAsPlaying()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var playing = new MetricCollector<long>(meters, ImageKitDiagnostics.MeterName, ImageKitDiagnostics.PlayersPlaying);
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, s_period);
        using var image = TestAnimation.Image(3, durationMs: 20);

        var weak = PlayAndDrop(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, MeterFactory = meters });

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.IsAlive), "the dropped player is collected");
        Assert.AreEqual(1L, playing.GetMeasurementSnapshot().Where(m => m.Value > 0).Sum(m => m.Value), "it was counted while playing");
        Assert.IsTrue(
            Leaks.Eventually(() => playing.GetMeasurementSnapshot().Sum(m => m.Value) == 0),
            "the players-playing counter no longer counts the collected player");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference PlayAndDrop(ImageKit.Decoding.AnimatedImage image, AnimatedImagePlayerOptions options)
    {
        var player = new AnimatedImagePlayer(image, options);
        player.Play();
        return new WeakReference(player);
    }
}
