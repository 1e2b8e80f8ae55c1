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
        Assert.AreEqual(url.ToString(), load.GetTagItem("url"));
        Assert.AreEqual("network", load.GetTagItem("source"));
        Assert.AreEqual("success", load.GetTagItem("outcome"));
        var stages = stopped.Where(a => a.ParentSpanId == load.SpanId).Select(a => a.OperationName).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "ImageKit.CacheQuery", "ImageKit.Decode", "ImageKit.Download", "ImageKit.Store" }, stages);
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

        await Assert.ThrowsAsync<ImageKitException>(() => harness.Manager.LoadImageAsync(server.Url("/missing"), cancellationToken: TestContext.CancellationToken));

        var load = stopped.Single(a => a.OperationName == "ImageKit.LoadImage");
        Assert.AreEqual(ActivityStatusCode.Error, load.Status);
        Assert.AreEqual("failure", load.GetTagItem("outcome"));
    }
}
