using System.Net;
using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Attempts their callers cancelled tell nothing about the host: the circuit breaker must not count them. Polly counts
/// every outcome its predicate does not handle as a success, so cancellations diluted the failure ratio of a closed
/// circuit (it never opened for a failing host that callers kept scrolling past) and closed a half-open one before its
/// trial had answered.
/// </summary>
[TestClass]
public sealed class ImageDownloaderBreakerCancellationTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, server) =>
            {
                app.MapGet("/status/{code:int}", (HttpContext http, int code) => http.Response.StatusCode = code);

                // Arrives, then waits until the client aborts it.
                app.MapGet("/stall/{name}", async (HttpContext http, string name) =>
                {
                    var gate = server.GateFor(name);
                    http.RequestAborted.Register(() => gate.Aborted.TrySetResult());
                    gate.Arrived.TrySetResult();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, http.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });

                // Waits for the gate of the same name, then answers 503.
                app.MapGet("/gated-503/{name}", async (HttpContext http, string name) =>
                {
                    var gate = server.GateFor(name);
                    gate.Arrived.TrySetResult();
                    await gate.Release.Task.WaitAsync(http.RequestAborted);
                    http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                });
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    /// <summary>
    /// Three attempts cancelled by their callers, then downloads that fail with 503: every attempt that ended failed, and
    /// two is the minimum throughput, so the circuit opens. Counted as successes, the cancellations kept the ratio under
    /// 0.9 (2/5 without retries, 6/9 with two).
    /// </summary>
    [TestMethod]
    [DataRow(0)]
    [DataRow(2)]
    public async Task CircuitClosed_CancelledAttemptsThenFailures_OpensIt(int maxRetries)
    {
        // Real time, in a window of a day: the retries' delays pass on their own, and the window does not.
        var options = DownloadTestOptions.Fast(maxRetries);
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { FailureRatio = 0.9, MinimumThroughput = 2, SamplingDuration = TimeSpan.FromDays(1) };
        using var downloader = new ImageDownloader(options);
        for (var i = 0; i < 3; i++)
        {
            await CancelStalledAsync(downloader, $"closed-{maxRetries}-{i}");
            await WaitUntilAsync(() => downloader.ActiveDownloads == 0);
        }

        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        var hits = s_server.Hits("/status/503");

        var next = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, next.Failure, $"the circuit stayed closed: {next.Message}");
        Assert.AreEqual(hits, s_server.Hits("/status/503"), "the request was sent");
    }

    /// <summary>
    /// An attempt that began while the circuit was closed is cancelled while it is half-open and its trial is still
    /// waiting for the host. The trial then fails: the circuit opens again. Counted as a success, the cancellation closed
    /// the circuit before the trial answered, and the trial's failure (one in a fresh window) left it closed.
    /// </summary>
    [TestMethod]
    public async Task CircuitHalfOpen_AnOlderAttemptCancelledThenTheTrialFails_OpensItAgain()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.AttemptTimeout = TimeSpan.FromDays(1);
        options.TimeProvider = time;
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(20) };
        using var downloader = new ImageDownloader(options);
        using var oldCts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var oldGate = s_server.GateFor("half-open-old");
        var old = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/stall/half-open-old")), cancellationToken: oldCts.Token);
        await oldGate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        var open = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, open.Failure, open.Message);
        time.Advance(TimeSpan.FromSeconds(21));

        var trialGate = s_server.GateFor("half-open-trial");
        var trial = Download(downloader, "/gated-503/half-open-trial");
        await trialGate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        // The old attempt ends (cancelled) while the trial is in flight; only the trial is left running then.
        await oldCts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => old);
        await WaitUntilAsync(() => downloader.ActiveDownloads == 1);

        trialGate.Release.TrySetResult();
        var failed = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => trial);
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, failed.StatusCode, failed.Message);

        var hits = s_server.Hits("/status/503");
        var next = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, next.Failure, $"the cancelled older attempt closed the circuit: {next.Message}");
        Assert.AreEqual(hits, s_server.Hits("/status/503"), "the request was sent");
    }

    // A request the server holds until its caller cancels it.
    private async Task CancelStalledAsync(ImageDownloader downloader, string name)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var gate = s_server.GateFor(name);
        var stalled = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url($"/stall/{name}")), cancellationToken: cts.Token);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => stalled);
    }

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string path) =>
        downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), cancellationToken: TestContext.CancellationToken);

    // The download's slot is freed only once its attempt's outcome has gone through the breaker.
    private async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        timeout.CancelAfter(DownloadTestOptions.Patience);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
