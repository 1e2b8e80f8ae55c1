using System.Diagnostics;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Diagnostics;

[TestClass]
public sealed class LoadActivityTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_FromNetwork_EmitsLoadActivityWithStageChildren()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        var url = server.Image("TestImage.gif");

        using var trace = new TestTrace();

        using (await harness.Manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
        }

        var load = trace.Single("ImageKit.LoadImage");
        Assert.AreEqual(trace.Root.SpanId, load.ParentSpanId);
        // OpenTelemetry's url.full, the library's own tags under imagekit., and nothing else (no error.type on success).
        CollectionAssert.AreEqual(
            new[] { $"url.full={url}", "imagekit.load.source=network", "imagekit.load.outcome=success" },
            load.TagObjects.Select(t => $"{t.Key}={t.Value}").ToArray());
        var stages = trace.Stopped.Where(a => a.ParentSpanId == load.SpanId).Select(a => a.OperationName).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "ImageKit.CacheQuery", "ImageKit.Decode", "ImageKit.Download", "ImageKit.Store" }, stages);
        var query = trace.Single("ImageKit.CacheQuery");
        CollectionAssert.AreEqual(new[] { "imagekit.cache.hit=none" }, query.TagObjects.Select(t => $"{t.Key}={t.Value}").ToArray());
        var download = trace.Single("ImageKit.Download");
        CollectionAssert.AreEqual(
            new[] { $"imagekit.download.body.size={Corpus.Read("TestImage.gif").Length}" },
            download.TagObjects.Select(t => $"{t.Key}={t.Value}").ToArray());
    }

    [TestMethod]
    public async Task LoadImageAsync_MemoryHit_TagsTheCacheQueryWithTheTier()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        var url = server.Image("TestImage.gif");
        using (await harness.Manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
        }

        using var trace = new TestTrace();
        using (await harness.Manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
        }

        Assert.AreEqual("memory", trace.Single("ImageKit.CacheQuery").GetTagItem("imagekit.cache.hit"));
        Assert.AreEqual("memory", trace.Single("ImageKit.LoadImage").GetTagItem("imagekit.load.source"));
    }

    [TestMethod]
    public async Task LoadImageAsync_Cancelled_TagsTheOutcomeWithoutAnErrorType()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        using var trace = new TestTrace();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => harness.Manager.LoadImageAsync(server.Image("TestImage.gif"), cancellationToken: cancelled.Token));

        var load = trace.Single("ImageKit.LoadImage");
        Assert.AreEqual("cancelled", load.GetTagItem("imagekit.load.outcome"));
        Assert.AreEqual("none", load.GetTagItem("imagekit.load.source"));
        Assert.IsNull(load.GetTagItem("error.type"), "a cancellation is not an error");
        Assert.AreEqual(ActivityStatusCode.Unset, load.Status, "nor is its status");
    }

    [TestMethod]
    public async Task LoadImageAsync_Missing_MarksActivityFailed()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        using var trace = new TestTrace();

        var error = await Assert.ThrowsAsync<ImageKitException>(() => harness.Manager.LoadImageAsync(server.Url("/missing"), cancellationToken: TestContext.CancellationToken));

        var load = trace.Single("ImageKit.LoadImage");
        Assert.AreEqual(ActivityStatusCode.Error, load.Status);
        Assert.AreEqual("failure", load.GetTagItem("imagekit.load.outcome"));
        Assert.AreEqual("none", load.GetTagItem("imagekit.load.source"));
        Assert.AreEqual(typeof(ImageKit.Loading.ImageDownloadException), error.GetType());
        Assert.AreEqual("ImageKit.Loading.ImageDownloadException", load.GetTagItem("error.type"));
    }
}
