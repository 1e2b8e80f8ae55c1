using System.Net;
using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>Downloader options at the edges of their ranges: each works as documented at load time.</summary>
[TestClass]
public sealed class ImageDownloaderOptionEdgeTests
{
    private static ImageServer s_server = null!;
    private static int s_errors;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, _) =>
            {
                app.MapGet("/image.gif", (HttpContext c) => ImageServer.WriteAsync(c, ImageServer.Gif));
                app.MapGet("/redirect", (HttpContext c) => c.Response.Redirect("/image.gif"));
                app.MapGet("/error", (HttpContext c) =>
                {
                    Interlocked.Increment(ref s_errors);
                    c.Response.StatusCode = 503;
                });
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task DownloadAsync_MaxRedirectsZero_RedirectFailsAsTooManyRedirectsWithoutFollowing()
    {
        var options = DownloadTestOptions.Fast();
        options.MaxRedirects = 0;
        using var downloader = new ImageDownloader(options);

        var e = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/redirect")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.TooManyRedirects, e.Failure, e.Message);
        Assert.AreEqual(HttpStatusCode.Found, e.StatusCode);
        Assert.AreEqual(0, s_server.Hits("/image.gif"));
    }

    [TestMethod]
    public async Task DownloadAsync_ZeroRetryDelays_RetriesAtOnceThenFailsWithTheStatus()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 2);
        options.Retry = new ImageDownloadRetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };
        using var downloader = new ImageDownloader(options);
        var before = Volatile.Read(ref s_errors);

        var e = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/error")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.HttpStatus, e.Failure, e.Message);
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.AreEqual(3, e.Attempts);
        Assert.AreEqual(before + 3, Volatile.Read(ref s_errors));
    }
}
