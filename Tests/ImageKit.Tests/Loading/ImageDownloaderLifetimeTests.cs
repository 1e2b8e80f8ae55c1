using System.Runtime.CompilerServices;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>Options validation, argument checks and Dispose.</summary>
[TestClass]
public sealed class ImageDownloaderLifetimeTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context) =>
        s_server = await ImageServer.StartAsync(
            (app, _) =>
            {
                app.MapGet("/image", context => ImageServer.WriteAsync(context, ImageServer.Gif));
                app.MapGet("/status/{code:int}", (HttpContext context, int code) => context.Response.StatusCode = code);
            },
            context.CancellationToken);

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public void Constructor_Defaults_AreDocumentedValues()
    {
        using var downloader = new ImageDownloader();
        var options = downloader.Options;

        Assert.AreEqual(6, options.MaxConcurrentDownloads);
        Assert.AreEqual(DownloadExecutionOrder.Fifo, options.ExecutionOrder);
        Assert.AreEqual(TimeSpan.FromSeconds(15), options.AttemptTimeout);
        Assert.AreEqual(64L * 1024 * 1024, options.MaxResponseBytes);
        Assert.AreEqual(10, options.MaxRedirects);
        Assert.IsTrue(options.AutomaticDecompression);
        Assert.IsFalse(options.AllowInvalidCertificates);
        Assert.AreEqual(System.Net.HttpVersion.Version20, options.MaxHttpVersion);
        Assert.IsTrue(options.RequireImageContent);
        Assert.AreEqual(3, options.Retry.MaxRetries);
        Assert.AreEqual(TimeSpan.FromMilliseconds(200), options.Retry.BaseDelay);
        Assert.AreEqual(TimeSpan.FromSeconds(10), options.Retry.MaxDelay);
        Assert.IsTrue(options.CircuitBreaker.Enabled);
        Assert.AreEqual(0.5, options.CircuitBreaker.FailureRatio);
        Assert.AreEqual(10, options.CircuitBreaker.MinimumThroughput);
        Assert.AreEqual(TimeSpan.FromSeconds(30), options.CircuitBreaker.SamplingDuration);
        Assert.AreEqual(TimeSpan.FromSeconds(15), options.CircuitBreaker.BreakDuration);
        Assert.AreSame(TimeProvider.System, options.TimeProvider);
    }

    [TestMethod]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { AttemptTimeout = TimeSpan.Zero }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { MaxHttpVersion = new Version(1, 2) }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { MaxHttpVersion = null! }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { AttemptTimeout = TimeSpan.FromMilliseconds(9) }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { MaxResponseBytes = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { MaxRedirects = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { MaxResumableBytes = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { MaxResumableBytes = ImageDownloaderOptions.MaxResumableBytesLimit + 1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { Retry = new() { MaxRetries = -1 } }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { Retry = new() { BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) } }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { CircuitBreaker = new() { MinimumThroughput = 1 } }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageDownloader(new ImageDownloaderOptions { CircuitBreaker = new() { FailureRatio = 0 } }));
        using var disabled = new ImageDownloader(new ImageDownloaderOptions { CircuitBreaker = new() { Enabled = false, MinimumThroughput = 1 } });
    }

    [TestMethod]
    public async Task DownloadAsync_NonHttpUrlOrUndefinedPriority_ThrowsArgumentException()
    {
        using var downloader = new ImageDownloader();

        await Assert.ThrowsExactlyAsync<ArgumentException>(() => downloader.DownloadAsync(new ImageDownloadRequest(new Uri("file:///etc/passwd")), cancellationToken: TestContext.CancellationToken));
        await Assert.ThrowsExactlyAsync<ArgumentException>(() => downloader.DownloadAsync(new ImageDownloadRequest(new Uri("/relative", UriKind.Relative)), cancellationToken: TestContext.CancellationToken));
        await Assert.ThrowsExactlyAsync<ArgumentOutOfRangeException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image")) { Priority = (DownloadPriority)7 }, cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task DownloadAsync_AlreadyCancelledToken_ThrowsWithoutSending()
    {
        using var downloader = new ImageDownloader();

        await Assert.ThrowsAsync<OperationCanceledException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/never")), cancellationToken: new CancellationToken(true)));

        Assert.AreEqual(0, s_server.Hits("/gate/never"));
        Assert.AreEqual(0, downloader.QueuedDownloads);
    }

    [TestMethod]
    public async Task Dispose_WithRunningAndQueuedDownloads_CancelsBothAndAbortsTheRequest()
    {
        var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 1 });
        var gate = s_server.GateFor("dispose");
        var running = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/dispose")), cancellationToken: TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var queued = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/dispose-queued")), cancellationToken: TestContext.CancellationToken);

        downloader.Dispose();
        downloader.Dispose();

        await Assert.ThrowsAsync<OperationCanceledException>(() => running);
        await Assert.ThrowsAsync<OperationCanceledException>(() => queued);
        await gate.Aborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(0, s_server.Hits("/gate/dispose-queued"));
        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/dispose")), cancellationToken: TestContext.CancellationToken));
    }

    /// <summary>
    /// The app's code registered a callback on a download's token that throws when it is cancelled (a request modifier
    /// completing a TaskCompletionSource twice, say). Cancelling the download, by its last caller leaving or by Dispose,
    /// still ends as documented: the caller gets <see cref="OperationCanceledException"/>, Dispose returns and releases
    /// the client it created.
    /// </summary>
    [TestMethod]
    [DataRow(false, DisplayName = "the last caller leaves")]
    [DataRow(true, DisplayName = "the downloader is disposed")]
    public async Task DownloadCancelled_AnAppCallbackOnItsTokenThrows_CallerGetsCancelledAndDisposeCompletes(bool dispose)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new ImageDownloaderOptions
        {
            RequestModifier = async (_, token) =>
            {
                token.Register(static () => throw new InvalidOperationException("the app's cancellation callback failed"));
                entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, token);
            },
        };
        var downloader = new ImageDownloader(options);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
            var download = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image")), cancellationToken: cts.Token);
            await entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

            if (dispose)
            {
                downloader.Dispose();
            }
            else
            {
                await cts.CancelAsync();
            }

            await Assert.ThrowsAsync<OperationCanceledException>(() => download);
            if (dispose)
            {
                await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => downloader.HttpClient.GetAsync(s_server.Url("/image"), TestContext.CancellationToken));
            }
        }
        finally
        {
            downloader.Dispose();
        }
    }

    [TestMethod]
    public async Task DownloadAsync_AfterSuccessFailureAndCancellation_NothingStaysTracked()
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 1, Retry = new() { MaxRetries = 0 } });
        var gate = s_server.GateFor("tracked");
        using var cts = new CancellationTokenSource();
        var running = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/tracked")), cancellationToken: cts.Token);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var queued = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image")), cancellationToken: cts.Token);
        Assert.AreEqual(2, downloader.TrackedDownloads);
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => running);
        await Assert.ThrowsAsync<OperationCanceledException>(() => queued);

        await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image")), cancellationToken: TestContext.CancellationToken);
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/500")), cancellationToken: TestContext.CancellationToken));

        // A download completes its waiters, then forgets itself (a request after completion starts afresh either way):
        // the waiter can resume before that on a loaded machine, so "nothing stays tracked" is eventual, as the slots are.
        Assert.IsTrue(Leaks.Eventually(() => downloader.TrackedDownloads == 0), $"{downloader.TrackedDownloads} still tracked");
        Assert.IsTrue(Leaks.Eventually(() => downloader.ActiveDownloads == 0 && downloader.QueuedDownloads == 0));
    }

    [TestMethod]
    public async Task Dispose_WithADownloadStillQueued_CancelsItsCallerAndTracksNothingAfterwards()
    {
        var downloader = new ImageDownloader(new ImageDownloaderOptions { MaxConcurrentDownloads = 1, Retry = new() { MaxRetries = 0 } });
        var gate = s_server.GateFor("dispose-queued");
        var running = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/dispose-queued")), cancellationToken: TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var queued = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image")), cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(1, downloader.QueuedDownloads, "the second download waits for the only slot");

        downloader.Dispose();

        await Assert.ThrowsAsync<OperationCanceledException>(() => running);
        await Assert.ThrowsAsync<OperationCanceledException>(() => queued);
        Assert.IsTrue(Leaks.Eventually(() => downloader.ActiveDownloads == 0 && downloader.QueuedDownloads == 0));
        Assert.IsTrue(Leaks.Eventually(() => downloader.TrackedDownloads == 0), $"{downloader.TrackedDownloads} still tracked after Dispose");
    }

    /// <summary>
    /// SocketsHttpHandler's own Dispose closes only the connections idle in its pool; one still in use (here: a response
    /// nobody disposed) stayed open, its request waiting at the server, after the downloader was disposed.
    /// </summary>
    [TestMethod]
    public async Task Dispose_ClosesEveryConnectionItOpened_EvenOneStillInUse()
    {
        var clientGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/hold", async (HttpContext context) =>
            {
                context.Response.ContentLength = 100;
                await context.Response.Body.WriteAsync(new byte[1]);
                await context.Response.Body.FlushAsync();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => clientGone.TrySetResult(), TaskScheduler.Default);
            }),
            certificate: null,
            TestContext.CancellationToken);
        var downloader = new ImageDownloader();
        var held = await downloader.HttpClient.SendAsync(new HttpRequestMessage(HttpMethod.Get, server.Url("/hold")), HttpCompletionOption.ResponseHeadersRead, TestContext.CancellationToken);

        downloader.Dispose();

        var closed = await Task.WhenAny(clientGone.Task, Task.Delay(TimeSpan.FromSeconds(10), TestContext.CancellationToken)) == clientGone.Task;
        Assert.IsTrue(closed, "the connection of a response still held stayed open after the downloader was disposed");
        GC.KeepAlive(held);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task ImageDownloader_UsedAndDropped_IsCollected(bool dispose)
    {
        var weak = await DownloadAndDropAsync(dispose, TestContext.CancellationToken);

        // The test resumes inline on the stack of the download's completion, whose frames may still hold the downloader in
        // debug builds; continue on a fresh stack.
        await Task.Yield();

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.IsAlive), "nothing (queue pump, Polly, pooled connections) may keep a dropped downloader alive");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> DownloadAndDropAsync(bool dispose, CancellationToken cancellationToken)
    {
        var downloader = new ImageDownloader();
        await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image")), cancellationToken: cancellationToken);
        if (dispose)
        {
            downloader.Dispose();
        }

        return new WeakReference(downloader);
    }
}
