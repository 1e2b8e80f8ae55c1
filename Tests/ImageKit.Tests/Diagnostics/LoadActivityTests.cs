using System.Collections.Concurrent;
using System.Diagnostics;
using ImageKit.Diagnostics;
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

        // The listener is process-wide: keep only the activities under this test's own root.
        using var root = new Activity("test-root").Start();
        var traceId = root.TraceId;
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ImageKitDiagnostics.ActivitySourceName,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using (await harness.Manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
        }

        var load = stopped.Single(a => a.OperationName == "ImageKit.LoadImage");
        Assert.AreEqual(root.SpanId, load.ParentSpanId);
        // OpenTelemetry's url.full, the library's own tags under imagekit., and nothing else (no error.type on success).
        CollectionAssert.AreEqual(
            new[] { $"url.full={url}", "imagekit.load.source=network", "imagekit.load.outcome=success" },
            load.TagObjects.Select(t => $"{t.Key}={t.Value}").ToArray());
        var stages = stopped.Where(a => a.ParentSpanId == load.SpanId).Select(a => a.OperationName).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "ImageKit.CacheQuery", "ImageKit.Decode", "ImageKit.Download", "ImageKit.Store" }, stages);
        var query = stopped.Single(a => a.OperationName == "ImageKit.CacheQuery");
        CollectionAssert.AreEqual(new[] { "imagekit.cache.hit=none" }, query.TagObjects.Select(t => $"{t.Key}={t.Value}").ToArray());
        var download = stopped.Single(a => a.OperationName == "ImageKit.Download");
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

        using var root = new Activity("test-root").Start();
        var stopped = Listen(root.TraceId, out var listener);
        using (listener)
        using (await harness.Manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
        }

        Assert.AreEqual("memory", stopped.Single(a => a.OperationName == "ImageKit.CacheQuery").GetTagItem("imagekit.cache.hit"));
        Assert.AreEqual("memory", stopped.Single(a => a.OperationName == "ImageKit.LoadImage").GetTagItem("imagekit.load.source"));
    }

    [TestMethod]
    public async Task LoadImageAsync_Cancelled_TagsTheOutcomeWithoutAnErrorType()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var harness = new DiagnosticsHarness();
        using var root = new Activity("test-root").Start();
        var stopped = Listen(root.TraceId, out var listener);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        using (listener)
        {
            await Assert.ThrowsAsync<OperationCanceledException>(() => harness.Manager.LoadImageAsync(server.Image("TestImage.gif"), cancellationToken: cancelled.Token));
        }

        var load = stopped.Single(a => a.OperationName == "ImageKit.LoadImage");
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
        using var root = new Activity("test-root").Start();
        var traceId = root.TraceId;
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ImageKitDiagnostics.ActivitySourceName,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var error = await Assert.ThrowsAsync<ImageKitException>(() => harness.Manager.LoadImageAsync(server.Url("/missing"), cancellationToken: TestContext.CancellationToken));

        var load = stopped.Single(a => a.OperationName == "ImageKit.LoadImage");
        Assert.AreEqual(ActivityStatusCode.Error, load.Status);
        Assert.AreEqual("failure", load.GetTagItem("imagekit.load.outcome"));
        Assert.AreEqual("none", load.GetTagItem("imagekit.load.source"));
        Assert.AreEqual(typeof(ImageKit.Loading.ImageDownloadException), error.GetType());
        Assert.AreEqual("ImageKit.Loading.ImageDownloadException", load.GetTagItem("error.type"));
    }

    // Collects the ImageKit activities stopped under the trace of this test's own root (the listener is process-wide).
    private static ConcurrentQueue<Activity> Listen(ActivityTraceId traceId, out ActivityListener listener)
    {
        var stopped = new ConcurrentQueue<Activity>();
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ImageKitDiagnostics.ActivitySourceName,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return stopped;
    }
}
