using System.Net;
using ImageKit.Loading;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A downloader's settings are read once, when it is created: changing the options instance afterwards (or reusing it
/// for another downloader) changes nothing, also for the retry and circuit-breaker settings, which it applies per host
/// when it first meets one.
/// </summary>
[TestClass]
public sealed class ImageDownloaderOptionsSnapshotTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task DownloadAsync_RetryAndBreakerChangedAfterCreation_RunsOnTheSettingsItWasCreatedWith()
    {
        var handler = new UnavailableHandler();
        using var client = new HttpClient(handler);
        var options = new ImageDownloaderOptions
        {
            Retry = { MaxRetries = 0, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
            CircuitBreaker = { Enabled = false },
        };
        using var downloader = new ImageDownloader(client, options);

        options.Retry.MaxRetries = 3;
        options.CircuitBreaker.Enabled = true;

        var error = await Assert.ThrowsAsync<ImageDownloadException>(
            () => downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://imagekit.test/a.png")), cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(1, handler.Requests, "no retries: " + error.Message);
    }

    private sealed class UnavailableHandler : HttpMessageHandler
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request });
        }
    }
}
