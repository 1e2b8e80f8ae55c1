using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>Concurrent requests for the same thing share one HTTP request; waiters come and go independently.</summary>
[TestClass]
public sealed class ImageDownloaderCoalescingTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, server) =>
            {
                app.MapGet("/image/{name}", context => ImageServer.WriteAsync(context, ImageServer.Gif));

                // Waits for the gate of the same name, then answers 404.
                app.MapGet("/gated-404/{name}", async (HttpContext context, string name) =>
                {
                    var gate = server.GateFor(name);
                    gate.Arrived.TrySetResult();
                    await gate.Release.Task.WaitAsync(context.RequestAborted);
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                });

                // Waits for the gate of the same name, then sends the image in slow chunks.
                app.MapGet("/gated-drip/{name}", async (HttpContext context, string name) =>
                {
                    var gate = server.GateFor(name);
                    gate.Arrived.TrySetResult();
                    await gate.Release.Task.WaitAsync(context.RequestAborted);
                    context.Response.ContentType = "image/png";
                    context.Response.ContentLength = ImageServer.Png.Length;
                    var chunk = ImageServer.Png.Length / 4 + 1;
                    for (var offset = 0; offset < ImageServer.Png.Length; offset += chunk)
                    {
                        await context.Response.Body.WriteAsync(ImageServer.Png.AsMemory(offset, Math.Min(chunk, ImageServer.Png.Length - offset)));
                        await context.Response.Body.FlushAsync();
                        await Task.Delay(10);
                    }
                });
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task DownloadAsync_HundredConcurrentSameUrl_OneHttpRequest()
    {
        using var downloader = new ImageDownloader();
        var gate = s_server.GateFor("hundred");

        var downloads = Enumerable.Range(0, 100).Select(_ => Download(downloader, "/gate/hundred")).ToArray();
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(1, downloader.ActiveDownloads);
        gate.Release.TrySetResult();
        var responses = await Task.WhenAll(downloads);

        Assert.AreEqual(1, s_server.Hits("/gate/hundred"));
        Assert.IsTrue(responses.All(r => ReferenceEquals(r, responses[0])));
        CollectionAssert.AreEqual(ImageServer.Gif, responses[0].Data.ToArray());
    }

    [TestMethod]
    public async Task DownloadAsync_SameUrlOneAfterAnother_NotCached()
    {
        using var downloader = new ImageDownloader();

        await Download(downloader, "/image/sequential");
        await Download(downloader, "/image/sequential");

        Assert.AreEqual(2, s_server.Hits("/image/sequential"), "the downloader shares in-flight requests only; caching is the manager's job");
    }

    [TestMethod]
    public async Task DownloadAsync_DifferentHeaders_SeparateRequests_SameHeadersInAnyCase_Shared()
    {
        using var downloader = new ImageDownloader();
        var gate = s_server.GateFor("headers");
        var url = s_server.Url("/gate/headers");
        var a = downloader.DownloadAsync(new ImageDownloadRequest(url) { Headers = new Dictionary<string, string> { ["X-A"] = "1", ["X-B"] = "2" } }, cancellationToken: TestContext.CancellationToken);
        var sameAsA = downloader.DownloadAsync(new ImageDownloadRequest(url) { Headers = new Dictionary<string, string> { ["x-b"] = "2", ["x-a"] = "1" } }, cancellationToken: TestContext.CancellationToken);
        var other = downloader.DownloadAsync(new ImageDownloadRequest(url) { Headers = new Dictionary<string, string> { ["X-A"] = "other" } }, cancellationToken: TestContext.CancellationToken);
        var validated = downloader.DownloadAsync(new ImageDownloadRequest(url) { IfNoneMatch = "\"x\"" }, cancellationToken: TestContext.CancellationToken);
        var partial = downloader.DownloadAsync(new ImageDownloadRequest(url) { ReportPartialData = true, Priority = DownloadPriority.Low }, cancellationToken: TestContext.CancellationToken);
        var plain = downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken);

        await WaitUntilAsync(() => s_server.Hits("/gate/headers") == 4);
        gate.Release.TrySetResult();
        await Task.WhenAll(a, sameAsA, other, validated, partial, plain);

        Assert.AreEqual(4, s_server.Hits("/gate/headers"));
        Assert.AreSame(await a, await sameAsA);
        Assert.AreSame(await partial, await plain, "ReportPartialData and Priority do not change the answer");
        Assert.AreNotSame(await a, await other);
    }

    [TestMethod]
    public async Task DownloadAsync_OneWaiterCancels_OthersStillGetTheResult()
    {
        using var downloader = new ImageDownloader();
        var gate = s_server.GateFor("one-cancels");
        using var cts = new CancellationTokenSource();
        var leaving = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/one-cancels")), cancellationToken: cts.Token);
        var staying = Download(downloader, "/gate/one-cancels");
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => leaving);
        gate.Release.TrySetResult();
        var response = await staying;

        Assert.AreEqual(ImageServer.Gif.Length, response.Data.Length);
        Assert.IsFalse(gate.Aborted.Task.IsCompleted, "the shared request was not aborted");
        Assert.AreEqual(1, s_server.Hits("/gate/one-cancels"));
    }

    /// <summary>
    /// The caller that started a shared download leaves, the others stay, and the download fails: the failure reaches
    /// those that stayed, and nothing is left over that reports it again as an unobserved task exception when collected.
    /// </summary>
    [TestMethod]
    public async Task DownloadAsync_StarterLeavesThenTheSharedDownloadFails_NoUnobservedTaskException()
    {
        const string Name = "starter-leaves-then-404";
        var unobserved = await UnobservedDownloadFailures.CollectAsync(Name, 5, StarterLeavesThenTheDownloadFailsAsync, TestContext.CancellationToken);

        Assert.IsEmpty(unobserved, string.Join(Environment.NewLine, unobserved.Take(1)));
    }

    [TestMethod]
    public async Task DownloadAsync_LastWaiterCancels_ServerSeesRequestAborted()
    {
        using var downloader = new ImageDownloader();
        var gate = s_server.GateFor("all-cancel");
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var a = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/all-cancel")), cancellationToken: first.Token);
        var b = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/all-cancel")), cancellationToken: second.Token);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        await first.CancelAsync();
        await second.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => a);
        await Assert.ThrowsAsync<OperationCanceledException>(() => b);
        await gate.Aborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await WaitUntilAsync(() => downloader.ActiveDownloads == 0);
    }

    [TestMethod]
    public async Task DownloadAsync_NewRequestAfterAllLeft_StartsAFreshDownload()
    {
        using var downloader = new ImageDownloader();
        var gate = s_server.GateFor("rejoin");
        using var cts = new CancellationTokenSource();
        var abandoned = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/rejoin")), cancellationToken: cts.Token);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => abandoned);

        gate.Release.TrySetResult();
        var fresh = await Download(downloader, "/gate/rejoin");

        Assert.AreEqual(ImageServer.Gif.Length, fresh.Data.Length);
        Assert.AreEqual(2, s_server.Hits("/gate/rejoin"));
    }

    [TestMethod]
    public async Task DownloadAsync_SharedDownload_ProgressToEveryWaiterAndPartialDataOnlyToThoseAsking()
    {
        using var downloader = new ImageDownloader();
        var gate = s_server.GateFor("progress");
        var url = s_server.Url("/gated-drip/progress");
        var plainReports = new List<ImageDownloadProgress>();
        var partialReports = new List<ImageDownloadProgress>();
        var plain = downloader.DownloadAsync(new ImageDownloadRequest(url), new SynchronousProgress<ImageDownloadProgress>(plainReports.Add), TestContext.CancellationToken);
        var partial = downloader.DownloadAsync(new ImageDownloadRequest(url) { ReportPartialData = true }, new SynchronousProgress<ImageDownloadProgress>(partialReports.Add), TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        gate.Release.TrySetResult();
        var response = await plain;
        await partial;

        Assert.AreEqual(1, s_server.Hits("/gated-drip/progress"));
        Assert.IsGreaterThan(2, plainReports.Count);
        CollectionAssert.AreEqual(plainReports.Select(r => r.BytesReceived).ToArray(), partialReports.Select(r => r.BytesReceived).ToArray());
        Assert.IsTrue(plainReports.All(r => r.PartialData.IsEmpty));
        foreach (var report in partialReports)
        {
            // Each snapshot is still exactly the prefix it was when reported.
            Assert.AreEqual(report.BytesReceived, report.PartialData.Length);
            CollectionAssert.AreEqual(ImageServer.Png.AsSpan(0, report.PartialData.Length).ToArray(), report.PartialData.ToArray());
        }

        CollectionAssert.AreEqual(ImageServer.Png, response.Data.ToArray());
    }

    /// <summary>
    /// A report being delivered to every caller of a shared download is held up by one caller's handler while another
    /// caller leaves (its token cancelled, or the downloader disposed): once the leaving caller's DownloadAsync has ended,
    /// that report, and any later one, no longer reaches its handler (a recycled view would show another image's progress).
    /// </summary>
    [TestMethod]
    [DataRow(false, DisplayName = "the caller cancels")]
    [DataRow(true, DisplayName = "the downloader is disposed")]
    public async Task DownloadAsync_CallerLeavesWhileAReportIsUnderWay_GetsNoReportAfterItsCallEnded(bool dispose)
    {
        var name = dispose ? "leave-mid-report-dispose" : "leave-mid-report-cancel";
        var downloader = new ImageDownloader();
        try
        {
            var gate = s_server.GateFor(name);
            var request = new ImageDownloadRequest(s_server.Url($"/gate/{name}"));
            var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var letGo = new ManualResetEventSlim();
            var holder = downloader.DownloadAsync(
                request,
                new SynchronousProgress<ImageDownloadProgress>(_ =>
                {
                    // Holds up the first report, before it reaches the caller that joined second.
                    if (holding.TrySetResult())
                    {
                        letGo.Wait(DownloadTestOptions.Patience);
                    }
                }),
                TestContext.CancellationToken);
            using var leaverCts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
            var ended = 0;
            var lateReports = 0;
            var leaver = downloader.DownloadAsync(
                request,
                new SynchronousProgress<ImageDownloadProgress>(_ =>
                {
                    if (Volatile.Read(ref ended) != 0)
                    {
                        Interlocked.Increment(ref lateReports);
                    }
                }),
                leaverCts.Token);
            await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
            gate.Release.TrySetResult();
            await holding.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

            if (dispose)
            {
                downloader.Dispose();
            }
            else
            {
                await leaverCts.CancelAsync();
            }

            await Assert.ThrowsAsync<OperationCanceledException>(() => leaver);
            Volatile.Write(ref ended, 1);
            letGo.Set();
            if (dispose)
            {
                await Assert.ThrowsAsync<OperationCanceledException>(() => holder);
            }
            else
            {
                Assert.AreEqual(ImageServer.Gif.Length, (await holder).Data.Length);
            }

            // The disposed download's caller is released before its read has unwound: wait for the read to end.
            await WaitUntilAsync(() => downloader.ActiveDownloads == 0);
            Assert.AreEqual(0, Volatile.Read(ref lateReports), "a report reached a caller whose DownloadAsync had ended");
        }
        finally
        {
            downloader.Dispose();
        }
    }

    private async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        timeout.CancelAfter(DownloadTestOptions.Patience);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private async Task StarterLeavesThenTheDownloadFailsAsync(string name)
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));
        var gate = s_server.GateFor(name);
        using var cts = new CancellationTokenSource();
        var starter = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url($"/gated-404/{name}")), cancellationToken: cts.Token);
        var staying = Download(downloader, $"/gated-404/{name}");
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => starter);
        gate.Release.TrySetResult();
        var failure = await Assert.ThrowsAsync<ImageDownloadException>(() => staying);
        Assert.AreEqual(ImageDownloadFailure.HttpStatus, failure.Failure);
    }

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string path) =>
        downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), cancellationToken: TestContext.CancellationToken);
}
