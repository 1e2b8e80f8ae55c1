using System.Collections.Concurrent;
using System.Net;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Loading;

/// <summary>Retry-After and the per-host circuit breaker.</summary>
[TestClass]
public sealed class ImageDownloaderResilienceTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, server) =>
            {
                // 429 with the Retry-After value from the query the first time, then the image.
                app.MapGet("/throttled/{id}", (HttpContext context, string? delta, string? date) =>
                {
                    if (server.Hits(context.Request.Path.Value!) == 1)
                    {
                        context.Response.StatusCode = 429;
                        context.Response.Headers.RetryAfter = delta ?? DateTimeOffset.UtcNow.AddHours(1).ToString("R");
                        return Task.CompletedTask;
                    }

                    return ImageServer.WriteAsync(context, ImageServer.Gif);
                });
                app.MapGet("/status/{code:int}", (HttpContext context, int code) => context.Response.StatusCode = code);
                app.MapGet("/image/{name}", context => ImageServer.WriteAsync(context, ImageServer.Gif));

                // Holds the request until the client gives up; the gate says when it arrived and when it was aborted.
                app.MapGet("/stall/{n}", async (HttpContext http, string n) =>
                {
                    var gate = server.GateFor("stall-" + n);
                    http.RequestAborted.Register(() => gate.Aborted.TrySetResult());
                    gate.Arrived.TrySetResult();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, http.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        // The client cancelled: what the test waits for.
                    }
                });
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task DownloadAsync_TooManyRequestsWithRetryAfterSeconds_WaitsThatLong()
    {
        var options = DownloadTestOptions.Fast();
        options.Retry.MaxDelay = TimeSpan.FromSeconds(10);
        var delays = new ConcurrentQueue<TimeSpan>();
        options.RetryScheduled = (_, delay) => delays.Enqueue(delay);
        using var downloader = new ImageDownloader(options);

        var response = await Download(downloader, "/throttled/seconds?delta=1");

        Assert.AreEqual(2, response.Attempts);
        CollectionAssert.AreEqual(new[] { TimeSpan.FromSeconds(1) }, delays.ToArray());
    }

    [TestMethod]
    public async Task DownloadAsync_TooManyRequestsWithRetryAfterDate_DelayCappedByMaxDelay()
    {
        var options = DownloadTestOptions.Fast();
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(40);
        var delays = new ConcurrentQueue<TimeSpan>();
        options.RetryScheduled = (_, delay) => delays.Enqueue(delay);
        using var downloader = new ImageDownloader(options);

        var response = await Download(downloader, "/throttled/date");

        Assert.AreEqual(2, response.Attempts);
        CollectionAssert.AreEqual(new[] { TimeSpan.FromMilliseconds(40) }, delays.ToArray(), "a date an hour away, capped");
    }

    [TestMethod]
    [DataRow("2147483648")]
    [DataRow("99999999999")]
    public async Task DownloadAsync_RetryAfterSecondsTooLargeForAnInt_WaitsMaxDelay(string seconds)
    {
        // .NET's header parser takes delta-seconds as an int and leaves a larger value unparsed: the server still asked
        // for a wait longer than any MaxDelay, not for the short computed backoff.
        var options = DownloadTestOptions.Fast();
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(40);
        var delays = new ConcurrentQueue<TimeSpan>();
        options.RetryScheduled = (_, delay) => delays.Enqueue(delay);
        using var downloader = new ImageDownloader(options);

        var response = await Download(downloader, $"/throttled/huge-{seconds}?delta={seconds}");

        Assert.AreEqual(2, response.Attempts);
        CollectionAssert.AreEqual(new[] { TimeSpan.FromMilliseconds(40) }, delays.ToArray(), "capped, as any Retry-After");
    }

    [TestMethod]
    public async Task DownloadAsync_ServerErrors_BackoffGrowsAndStaysUnderMaxDelay()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 6);
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(20);
        var delays = new ConcurrentQueue<(int Attempt, TimeSpan Delay)>();
        options.RetryScheduled = (attempt, delay) => delays.Enqueue((attempt, delay));
        using var downloader = new ImageDownloader(options);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/502"));

        Assert.AreEqual(7, ex.Attempts);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5, 6 }, delays.Select(d => d.Attempt).ToArray());
        Assert.IsTrue(delays.All(d => d.Delay > TimeSpan.Zero && d.Delay <= TimeSpan.FromMilliseconds(20)), string.Join(", ", delays));
    }

    [TestMethod]
    public async Task DownloadAsync_RepeatedFailures_OpenCircuitForTheHostWithoutSending()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 4,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(30),
        };
        using var downloader = new ImageDownloader(options);
        for (var i = 0; i < 4; i++)
        {
            var failure = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/500"));
            Assert.AreEqual(ImageDownloadFailure.HttpStatus, failure.Failure);
        }

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/image/circuit"));

        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, ex.Failure);
        StringAssert.StartsWith(ex.Message, $"circuit open for 127.0.0.1:{s_server.Url("/").Port} after repeated failures");
        Assert.AreEqual(0, s_server.Hits("/image/circuit"), "no request reaches an open circuit's host");
        Assert.AreEqual(4, s_server.Hits("/status/500"));
    }

    [TestMethod]
    public async Task DownloadAsync_CircuitOpen_TrialAfterBreakDurationClosesIt()
    {
        var (downloader, time) = await WithOpenCircuitAsync();
        using var owned = downloader;

        time.Advance(TimeSpan.FromSeconds(19));
        var stillOpen = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/image/trial"));
        time.Advance(TimeSpan.FromSeconds(2));
        var trial = await Download(downloader, "/image/trial");
        var after = await Download(downloader, "/image/trial");

        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, stillOpen.Failure);
        StringAssert.Contains(stillOpen.Message, "it closes for a trial in 1 s");
        Assert.AreEqual(HttpStatusCode.OK, trial.StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, after.StatusCode);
        Assert.AreEqual(2, s_server.Hits("/image/trial"));
    }

    [TestMethod]
    public async Task DownloadAsync_ClientErrors_DoNotOpenTheCircuit()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { MinimumThroughput = 2 };
        using var downloader = new ImageDownloader(options);
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/404"));
        }

        var response = await Download(downloader, "/image/client-errors");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    // An open circuit stays open until a trial request succeeds. A trial its caller cancelled was an outcome Polly does
    // not handle, which it counts as a success: the circuit closed although the host never answered.
    [TestMethod]
    public async Task DownloadAsync_CircuitHalfOpen_TrialCancelledByItsCaller_OpensItAgain()
    {
        var (downloader, time) = await WithOpenCircuitAsync();
        using var owned = downloader;
        time.Advance(TimeSpan.FromSeconds(21));

        using (var cts = new CancellationTokenSource())
        {
            var trial = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/stall/trial")), cancellationToken: cts.Token);
            await s_server.GateFor("stall-trial").Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
            await cts.CancelAsync();
            await Assert.ThrowsAsync<OperationCanceledException>(() => trial);
            await s_server.GateFor("stall-trial").Aborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        }

        Assert.IsTrue(TestUtilities.Leaks.Eventually(() => downloader.ActiveDownloads == 0), "the cancelled trial left the queue");
        var next = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, next.Failure, $"the cancelled trial closed the circuit: the next request was sent ({next.Message})");
    }

    // Polly times its breaker on the wall clock: set back by a year while the circuit was open (a machine that started with
    // a wrong date, set right), it kept the circuit open for that year. The downloader gives it a monotonic clock.
    [TestMethod]
    public async Task DownloadAsync_WallClockSetBackWhileTheCircuitIsOpen_TrialStillComesAfterTheBreakDuration()
    {
        var time = new SteppingClock(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.TimeProvider = time;
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(20) };
        using var downloader = new ImageDownloader(options);
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));

        time.Wall = time.Wall.AddYears(-1);
        time.Elapse(TimeSpan.FromSeconds(19));
        var stillOpen = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/image/clock-back"));
        time.Elapse(TimeSpan.FromSeconds(2));
        var trial = await Download(downloader, "/image/clock-back");

        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, stillOpen.Failure);
        StringAssert.Contains(stillOpen.Message, "it closes for a trial in 1 s");
        Assert.AreEqual(HttpStatusCode.OK, trial.StatusCode);
    }

    // The resolver's "no such name" is an answer, not a failure to answer: asking again gets the same. It was retried
    // three times, with the backoff in between.
    [TestMethod]
    public async Task DownloadAsync_HostNameThatDoesNotExist_FailsAfterOneAttempt()
    {
        const string host = "images.imagekit-test.invalid"; // RFC 2606: never resolves
        try
        {
            await System.Net.Dns.GetHostAddressesAsync(host, TestContext.CancellationToken);
            Assert.Inconclusive($"this machine's resolver answers for {host}");
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode is not (System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData))
        {
            Assert.Inconclusive($"this machine's resolver cannot answer now ({e.SocketErrorCode}), which is retried");
        }
        catch (System.Net.Sockets.SocketException)
        {
            // No such name: what the test needs.
        }

        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 3));

        var error = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(new Uri($"http://{host}/a.gif")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(1, error.Attempts);
        StringAssert.StartsWith(error.Message, "the host name could not be resolved");
    }

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string path) =>
        downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), cancellationToken: TestContext.CancellationToken);

    // A downloader (20 s break, 2 requests to trip) whose circuit for the test host two 503s have just opened.
    private async Task<(ImageDownloader Downloader, FakeTimeProvider Time)> WithOpenCircuitAsync()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.TimeProvider = time;
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(20) };
        var downloader = new ImageDownloader(options);
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        return (downloader, time);
    }
}
