using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Loading;

/// <summary>
/// An attempt the app's own code failed (its <see cref="ImageDownloaderOptions.RequestModifier"/> threw, as a token fetch
/// that fails does, or set what cannot be sent) never reached the host: the circuit breaker must not count it. Polly counts
/// every outcome its predicate does not handle as a success, so such attempts diluted the failure ratio of a closed
/// circuit and closed a half-open one although the host had not answered.
/// </summary>
[TestClass]
public sealed class ImageDownloaderBreakerAppCallbackTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, _) =>
            {
                app.MapGet("/status/{code:int}", (HttpContext http, int code) => http.Response.StatusCode = code);
                app.MapGet("/image/{name}", http => ImageServer.WriteAsync(http, ImageServer.Gif));
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    // Without retries: 3 modifier failures and 4 host failures (4 of 7 stayed under the ratio of 0.6). With 2 retries:
    // 5 modifier failures (never retried) and 2 downloads of 3 failed attempts each (6 of 11 stayed under it).
    [TestMethod]
    [DataRow(0, 3, 4)]
    [DataRow(2, 5, 2)]
    public async Task CircuitClosed_RequestModifierFailuresThenHostFailures_OpensIt(int maxRetries, int modifierFailures, int hostFailures)
    {
        var options = DownloadTestOptions.Fast(maxRetries);
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { FailureRatio = 0.6, MinimumThroughput = 4, SamplingDuration = TimeSpan.FromMinutes(5) };
        options.RequestModifier = FailingFor("token-");
        using var downloader = new ImageDownloader(options);
        for (var i = 0; i < modifierFailures; i++)
        {
            // The app's exception as it was thrown, also through the breaker and the retry.
            await Assert.ThrowsExactlyAsync<TokenFetchException>(() => Download(downloader, $"/image/token-{maxRetries}-{i}"));
        }

        for (var i = 0; i < hostFailures; i++)
        {
            await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        }

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, $"/image/after-{maxRetries}"));

        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, ex.Failure, ex.Message);
        Assert.AreEqual(0, s_server.Hits($"/image/after-{maxRetries}"));
    }

    [TestMethod]
    public async Task CircuitHalfOpen_TrialWhoseRequestModifierThrows_DoesNotCloseIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.TimeProvider = time;
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions { MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(20) };
        options.RequestModifier = FailingFor("token-");
        using var downloader = new ImageDownloader(options);
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/status/503"));
        time.Advance(TimeSpan.FromSeconds(21));

        await Assert.ThrowsExactlyAsync<TokenFetchException>(() => Download(downloader, "/image/token-trial"));
        var next = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/image/half-open-after"));

        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, next.Failure, "the host has not answered a trial yet");
        Assert.AreEqual(0, s_server.Hits("/image/half-open-after"));
    }

    private static Func<HttpRequestMessage, CancellationToken, ValueTask> FailingFor(string pathPart) => (request, _) =>
        request.RequestUri!.AbsolutePath.Contains(pathPart, StringComparison.Ordinal) ? throw new TokenFetchException() : ValueTask.CompletedTask;

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string path) =>
        downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), cancellationToken: TestContext.CancellationToken);

    private sealed class TokenFetchException() : IOException("the token service is down");
}
