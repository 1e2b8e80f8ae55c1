using ImageKit.Diagnostics;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ImageKit.Tests.Diagnostics;

[TestClass]
public sealed class LoadMetricsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_NetworkThenMemory_CountsLoadsCacheTiersBytesAndDurations()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        using var loads = harness.Collect<long>(ImageKitDiagnostics.Loads);
        using var durations = harness.Collect<double>(ImageKitDiagnostics.LoadDuration);
        using var hits = harness.Collect<long>(ImageKitDiagnostics.CacheHits);
        using var misses = harness.Collect<long>(ImageKitDiagnostics.CacheMisses);
        using var bytes = harness.Collect<long>(ImageKitDiagnostics.DownloadBytes);
        using var downloads = harness.Collect<double>(ImageKitDiagnostics.DownloadDuration);
        using var decodes = harness.Collect<double>(ImageKitDiagnostics.DecodeDuration);
        var url = server.Image("TestImage.gif");

        using (await harness.Manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        using (await harness.Manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
        }

        // A success has the source and the outcome and nothing else (no error.type).
        CollectionAssert.AreEqual(
            new[] { "imagekit.load.outcome=success imagekit.load.source=network", "imagekit.load.outcome=success imagekit.load.source=memory" },
            loads.GetMeasurementSnapshot().Select(Tags).ToArray());
        CollectionAssert.AreEqual(
            new[] { "imagekit.load.outcome=success imagekit.load.source=network", "imagekit.load.outcome=success imagekit.load.source=memory" },
            durations.GetMeasurementSnapshot().Select(Tags).ToArray());
        CollectionAssert.AreEqual(new[] { "imagekit.cache.tier=memory" }, hits.GetMeasurementSnapshot().Select(Tags).ToArray());
        CollectionAssert.AreEqual(new[] { "imagekit.cache.tier=memory", "imagekit.cache.tier=disk" }, misses.GetMeasurementSnapshot().Select(Tags).ToArray());
        Assert.AreEqual(Corpus.Read("TestImage.gif").LongLength, bytes.GetMeasurementSnapshot().Sum(m => m.Value));
        var download = downloads.GetMeasurementSnapshot().Single();
        Assert.AreEqual("imagekit.download.outcome=success", Tags(download));
        Assert.IsGreaterThan(0.0, download.Value);
        Assert.AreEqual("imagekit.decode.outcome=success", Tags(decodes.GetMeasurementSnapshot().Single()));
    }

    [TestMethod]
    public async Task LoadImageAsync_Missing_CountsAFailedLoadWithoutSourceWithItsErrorType()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        using var loads = harness.Collect<long>(ImageKitDiagnostics.Loads);
        using var durations = harness.Collect<double>(ImageKitDiagnostics.LoadDuration);
        using var downloads = harness.Collect<double>(ImageKitDiagnostics.DownloadDuration);

        await Assert.ThrowsAsync<ImageKit.Loading.ImageDownloadException>(() => harness.Manager.LoadImageAsync(server.Url("/missing"), cancellationToken: TestContext.CancellationToken));

        const string Failed = "error.type=ImageKit.Loading.ImageDownloadException imagekit.load.outcome=failure imagekit.load.source=none";
        Assert.AreEqual(Failed, Tags(loads.GetMeasurementSnapshot().Single()));
        Assert.AreEqual(Failed, Tags(durations.GetMeasurementSnapshot().Single()));
        Assert.AreEqual("imagekit.download.outcome=failure", Tags(downloads.GetMeasurementSnapshot().Single()));
    }

    // Only the caller's own mistakes (contradicting options, a disposed manager) are no load: a loader of the app that
    // throws an ArgumentException midway is a failed load like any other.
    [TestMethod]
    public async Task LoadImageAsync_LoaderThrowsArgumentException_CountsAFailedLoadWithItsErrorType()
    {
        await using var harness = new DiagnosticsHarness();
        harness.Manager.Loaders.Insert(0, new ThrowingLoader());
        using var loads = harness.Collect<long>(ImageKitDiagnostics.Loads);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => harness.Manager.LoadImageAsync(new Uri("throwing://images/a.gif"), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(
            "error.type=System.ArgumentOutOfRangeException imagekit.load.outcome=failure imagekit.load.source=none",
            Tags(loads.GetMeasurementSnapshot().Single()));
    }

    [TestMethod]
    public async Task LoadImageAsync_ContradictingOptions_CountsNoLoad()
    {
        await using var harness = new DiagnosticsHarness();
        using var loads = harness.Collect<long>(ImageKitDiagnostics.Loads);

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Manager.LoadImageAsync(new Uri("https://images.example/a.gif"), new ImageLoadOptions { FromCacheOnly = true, FromNetworkOnly = true }, cancellationToken: TestContext.CancellationToken));

        Assert.IsEmpty(loads.GetMeasurementSnapshot());
    }

    // One instrument's listener that throws drops that measurement alone: the download's duration is still recorded.
    [TestMethod]
    public async Task LoadImageAsync_ListenerThrowsOnDownloadBytes_StillRecordsTheDownloadDuration()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        var factory = harness.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var throwing = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == ImageKitDiagnostics.DownloadBytes)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        throwing.SetMeasurementEventCallback<long>((_, _, _, _) => throw new InvalidOperationException("listener bug"));
        throwing.Start();
        using var downloads = harness.Collect<double>(ImageKitDiagnostics.DownloadDuration);

        using (await harness.Manager.LoadImageAsync(server.Image("TestImage.gif"), cancellationToken: TestContext.CancellationToken))
        {
        }

        Assert.AreEqual("imagekit.download.outcome=success", Tags(downloads.GetMeasurementSnapshot().Single()));
    }

    [TestMethod]
    public async Task LoadImageAsync_Cancelled_CountsACancelledLoadWithoutErrorType()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        using var loads = harness.Collect<long>(ImageKitDiagnostics.Loads);
        using var durations = harness.Collect<double>(ImageKitDiagnostics.LoadDuration);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => harness.Manager.LoadImageAsync(server.Image("TestImage.gif"), cancellationToken: cancelled.Token));

        // A cancellation is not an error: no error.type.
        Assert.AreEqual("imagekit.load.outcome=cancelled imagekit.load.source=none", Tags(loads.GetMeasurementSnapshot().Single()));
        Assert.AreEqual("imagekit.load.outcome=cancelled imagekit.load.source=none", Tags(durations.GetMeasurementSnapshot().Single()));
    }

    [TestMethod]
    public async Task LoadImageAsync_DiskHitInAFreshContainer_CountsDiskHit()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        using var folder = new TempFolder();
        await using (var first = new DiagnosticsHarness(o => o.DiskCache.Folder = folder.Path))
        {
            using var result = await first.Manager.LoadImageAsync(server.Image("TestImage.png"), cancellationToken: TestContext.CancellationToken);
        }

        await using var second = new DiagnosticsHarness(o => o.DiskCache.Folder = folder.Path);
        using var hits = second.Collect<long>(ImageKitDiagnostics.CacheHits);
        using var loads = second.Collect<long>(ImageKitDiagnostics.Loads);
        using (await second.Manager.LoadImageAsync(server.Image("TestImage.png"), cancellationToken: TestContext.CancellationToken))
        {
        }

        Assert.AreEqual("disk", hits.GetMeasurementSnapshot().Single().Tags["imagekit.cache.tier"]);
        Assert.AreEqual("disk", loads.GetMeasurementSnapshot().Single().Tags["imagekit.load.source"]);
        Assert.AreEqual(1, server.ImageHits("TestImage.png"));
    }

    // A measurement's tags as "name=value" in name order, so that a renamed, missing or extra tag shows.
    private static string Tags<T>(CollectedMeasurement<T> measurement)
        where T : struct =>
        string.Join(' ', measurement.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

    private sealed class ThrowingLoader : ImageKit.Loading.IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "throwing";

        public Task<ImageKit.Loading.ImageLoaderResponse> LoadAsync(ImageKit.Loading.ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            throw new ArgumentOutOfRangeException(nameof(request), "the app's loader failed");
    }
}
