using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Diagnostics;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Animation;

[TestClass]
[DoNotParallelize]
public sealed class PlayerMetricsLifetimeTests
{
    [TestMethod]
    public async Task PlayerDroppedWhilePlaying_IsCollected_AndNoLongerCountsAsPlaying()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var playing = new MetricCollector<long>(meters, ImageKitDiagnostics.MeterName, ImageKitDiagnostics.PlayersPlaying);
        var time = new FakeTimeProvider();
        using var links = new ManualDisplayLinkProvider(time, TimeSpan.FromMilliseconds(10));
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));

        var weak = StartAndDrop(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, MeterFactory = meters });
        Assert.IsTrue(Leaks.CollectUntil(() => !weak.IsAlive), "the dropped player is collected");
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.AreEqual(0, links.GetDisplayLink().SubscriberCount);

        Assert.AreEqual(1L, playing.GetMeasurementSnapshot().Where(m => m.Value > 0).Sum(m => m.Value), "it was counted while playing");
        Assert.IsTrue(
            Leaks.Eventually(() => playing.GetMeasurementSnapshot().Sum(m => m.Value) == 0),
            "the players-playing counter no longer counts the collected player");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference StartAndDrop(AnimatedImage image, AnimatedImagePlayerOptions options)
    {
        var player = new AnimatedImagePlayer(image, options);
        player.Play();
        return new WeakReference(player);
    }
}
