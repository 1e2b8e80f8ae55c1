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

    /// <summary>
    /// The settings each attempt reads (the size limit, the content check, the status check, the request modifier) are
    /// also those the downloader was created with, and <see cref="ImageDownloader.Options"/> still shows them.
    /// </summary>
    [TestMethod]
    public async Task DownloadAsync_ResponseSettingsChangedAfterCreation_RunsOnTheSettingsItWasCreatedWith()
    {
        using var client = new HttpClient(new ImageHandler());
        var options = new ImageDownloaderOptions { Retry = { MaxRetries = 0 }, CircuitBreaker = { Enabled = false } };
        using var downloader = new ImageDownloader(client, options);

        options.MaxResponseBytes = 1;
        options.AcceptStatusCode = _ => false;
        options.RequestModifier = (_, _) => throw new InvalidOperationException("a modifier set after the downloader was created ran");
        options.MaxResumableBytes = 0;

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://imagekit.test/a.gif")), cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(ImageServer.Gif, response.Data.ToArray());
        Assert.AreEqual(64L * 1024 * 1024, downloader.Options.MaxResponseBytes);
        Assert.IsNull(downloader.Options.AcceptStatusCode);
        Assert.IsNull(downloader.Options.RequestModifier);
        Assert.AreEqual(16L * 1024 * 1024, downloader.Options.MaxResumableBytes);
    }

    /// <summary>
    /// <see cref="ImageDownloader.Options"/> says changing its settings afterwards has no effect: the instance it returns is
    /// not the one the attempts read (it was, so setting a size limit or a request modifier on it changed a running downloader).
    /// </summary>
    [TestMethod]
    public async Task DownloadAsync_OptionsPropertyChangedAfterCreation_RunsOnTheSettingsItWasCreatedWith()
    {
        using var client = new HttpClient(new ImageHandler());
        using var downloader = new ImageDownloader(client, new ImageDownloaderOptions { Retry = { MaxRetries = 0 }, CircuitBreaker = { Enabled = false } });

        downloader.Options.MaxResponseBytes = 1;
        downloader.Options.AcceptStatusCode = _ => false;
        downloader.Options.RequestModifier = (_, _) => throw new InvalidOperationException("a modifier set on ImageDownloader.Options ran");
        downloader.Options.RequireImageContent = false;

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(new Uri("http://imagekit.test/b.gif")), cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(ImageServer.Gif, response.Data.ToArray());
    }

    private sealed class ImageHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new ByteArrayContent(ImageServer.Gif) });
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
