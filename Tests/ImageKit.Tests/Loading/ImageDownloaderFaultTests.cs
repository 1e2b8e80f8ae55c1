using System.Net;
using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ImageKit.Tests.Loading;

/// <summary>Misbehaving servers: error statuses, connection resets, stalls; what is retried and how failures read.</summary>
[TestClass]
public sealed class ImageDownloaderFaultTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, server) =>
            {
                app.MapGet("/status/{code:int}", (HttpContext context, int code) => context.Response.StatusCode = code);

                // Fails with `code` for the first `failures` requests to this path, then serves the image.
                app.MapGet("/flaky/{id}/{failures:int}/{code:int}", (HttpContext context, int failures, int code) =>
                {
                    if (server.Hits(context.Request.Path.Value!) <= failures)
                    {
                        context.Response.StatusCode = code;
                        return Task.CompletedTask;
                    }

                    return ImageServer.WriteAsync(context, ImageServer.Gif);
                });
                app.MapGet("/reset", context =>
                {
                    context.Abort();
                    return Task.CompletedTask;
                });
                app.MapGet("/reset-once/{id}", context =>
                {
                    if (server.Hits(context.Request.Path.Value!) == 1)
                    {
                        context.Abort();
                        return Task.CompletedTask;
                    }

                    return ImageServer.WriteAsync(context, ImageServer.Gif);
                });
                app.MapGet("/stall/{id}", async context => await Task.Delay(Timeout.Infinite, context.RequestAborted));
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task DownloadAsync_AlwaysServerError_RetriesThenThrowsWithAttempts()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 3));

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));

        Assert.AreEqual(ImageDownloadFailure.HttpStatus, ex.Failure);
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.AreEqual(4, ex.Attempts);
        Assert.AreEqual("HTTP 503 Service Unavailable after 4 attempts", ex.Message);
        Assert.AreEqual(4, s_server.Hits("/status/503"));
    }

    [TestMethod]
    public async Task DownloadAsync_ServerErrorThenSuccess_ReturnsImageAfterTwoAttempts()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var response = await Download(downloader, "/flaky/a/1/500");

        Assert.AreEqual(2, response.Attempts);
        CollectionAssert.AreEqual(ImageServer.Gif, response.Data.ToArray());
        Assert.AreEqual(2, s_server.Hits("/flaky/a/1/500"));
    }

    [TestMethod]
    public async Task DownloadAsync_RequestTimeoutAndTooManyRequests_AreRetried()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var afterTimeout = await Download(downloader, "/flaky/b/2/408");
        var afterThrottle = await Download(downloader, "/flaky/c/1/429");

        Assert.AreEqual(3, afterTimeout.Attempts);
        Assert.AreEqual(2, afterThrottle.Attempts);
    }

    [TestMethod]
    public async Task DownloadAsync_NoRetries_FailsAfterOneAttempt()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/flaky/d/1/500"));

        Assert.AreEqual("HTTP 500 Internal Server Error", ex.Message);
        Assert.AreEqual(1, ex.Attempts);
    }

    [TestMethod]
    public async Task DownloadAsync_ConnectionReset_RetriesThenThrowsNetwork()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 2));

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/reset"));

        Assert.AreEqual(ImageDownloadFailure.Network, ex.Failure);
        Assert.AreEqual(3, ex.Attempts);
        StringAssert.StartsWith(ex.Message, "the connection was reset by the server");
        StringAssert.EndsWith(ex.Message, "after 3 attempts");
        Assert.IsNull(ex.StatusCode);
        Assert.AreEqual(3, s_server.Hits("/reset"));
    }

    [TestMethod]
    public async Task DownloadAsync_ConnectionResetOnce_SucceedsOnRetry()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var response = await Download(downloader, "/reset-once/a");

        Assert.AreEqual(2, response.Attempts);
        Assert.AreEqual(ImageServer.Gif.Length, response.Data.Length);
    }

    [TestMethod]
    public async Task DownloadAsync_Stall_TimesOutOnEachAttempt()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 1);
        options.AttemptTimeout = TimeSpan.FromMilliseconds(300);
        using var downloader = new ImageDownloader(options);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/stall/attempt-timeout"));

        Assert.AreEqual(ImageDownloadFailure.Timeout, ex.Failure);
        Assert.AreEqual(2, ex.Attempts);
        Assert.AreEqual("timed out after 300 ms on each of 2 attempts", ex.Message);
        Assert.AreEqual(2, s_server.Hits("/stall/attempt-timeout"));
    }

    [TestMethod]
    public async Task DownloadAsync_AppClientTimeoutExpires_ThrowsTimeoutNotCancellation()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromMilliseconds(200) };
        using var downloader = new ImageDownloader(client, DownloadTestOptions.Fast(maxRetries: 1));

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/stall/client-timeout"));

        Assert.AreEqual(ImageDownloadFailure.Timeout, ex.Failure);
        Assert.AreEqual(2, ex.Attempts);
        Assert.AreEqual("the HttpClient's own Timeout (200 ms) expired after 2 attempts", ex.Message);
    }

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string path) =>
        downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), cancellationToken: TestContext.CancellationToken);

    // Promise: a shared download always completes its waiters. A logger (an app's ILoggerFactory) that threw while the
    // download logged its start (before the try) or its failure (before completing) used to leave them waiting forever.
    [TestMethod]
    [DataRow(LogLevel.Debug, "/image/logger-start", DisplayName = "throws on 'downloading' (debug)")]
    [DataRow(LogLevel.Information, "/status/404", DisplayName = "throws on 'failed' (information)")]
    public async Task DownloadAsync_LoggerThrows_WaitersStillComplete(LogLevel level, string path)
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.LoggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(new ThrowingProvider(level)));
        using var downloader = new ImageDownloader(options);

        var download = Download(downloader, path);
        var finished = await Task.WhenAny(download, Task.Delay(DownloadTestOptions.Patience, TestContext.CancellationToken));

        Assert.AreSame(download, finished, "the waiter completes (with the image or the download's own error)");
    }

    private sealed class ThrowingProvider(LogLevel level) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ThrowingLogger(level);

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger(LogLevel level) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= level;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel == level)
                {
                    throw new InvalidOperationException("logger bug");
                }
            }
        }
    }
}
