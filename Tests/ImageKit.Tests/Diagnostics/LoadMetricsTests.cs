using ImageKit.Diagnostics;
using ImageKit.Tests.TestUtilities;
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

        CollectionAssert.AreEqual(new[] { "network/success", "memory/success" }, loads.GetMeasurementSnapshot().Select(m => $"{m.Tags["source"]}/{m.Tags["outcome"]}").ToArray());
        CollectionAssert.AreEqual(new[] { "memory" }, hits.GetMeasurementSnapshot().Select(m => (string?)m.Tags["tier"]).ToArray());
        CollectionAssert.AreEqual(new[] { "memory", "disk" }, misses.GetMeasurementSnapshot().Select(m => (string?)m.Tags["tier"]).ToArray());
        Assert.AreEqual(Corpus.Read("TestImage.gif").LongLength, bytes.GetMeasurementSnapshot().Sum(m => m.Value));
        var download = downloads.GetMeasurementSnapshot().Single();
        Assert.AreEqual("success", download.Tags["outcome"]);
        Assert.IsGreaterThan(0.0, download.Value);
        Assert.AreEqual("success", decodes.GetMeasurementSnapshot().Single().Tags["outcome"]);
    }

    [TestMethod]
    public async Task LoadImageAsync_Missing_CountsAFailedLoadWithoutSource()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        using var loads = harness.Collect<long>(ImageKitDiagnostics.Loads);
        using var downloads = harness.Collect<double>(ImageKitDiagnostics.DownloadDuration);

        await Assert.ThrowsAsync<ImageKitException>(() => harness.Manager.LoadImageAsync(server.Url("/missing"), cancellationToken: TestContext.CancellationToken));

        var load = loads.GetMeasurementSnapshot().Single();
        Assert.AreEqual("none", load.Tags["source"]);
        Assert.AreEqual("failure", load.Tags["outcome"]);
        Assert.AreEqual("failure", downloads.GetMeasurementSnapshot().Single().Tags["outcome"]);
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

        Assert.AreEqual("disk", hits.GetMeasurementSnapshot().Single().Tags["tier"]);
        Assert.AreEqual("disk", loads.GetMeasurementSnapshot().Single().Tags["source"]);
        Assert.AreEqual(1, server.ImageHits("TestImage.png"));
    }
}
