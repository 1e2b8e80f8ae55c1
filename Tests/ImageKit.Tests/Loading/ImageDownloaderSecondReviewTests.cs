using System.Net;
using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Faults a second review of the downloader found (2026-12-05): a <c>304</c> to a request without validators reported as
/// <see cref="ImageDownloadResponse.NotModified"/> when the app's status predicate accepts it.
/// </summary>
[TestClass]
public sealed class ImageDownloaderSecondReviewTests
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
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    /// <summary>
    /// A <c>304</c> answers validators: to a request that sent none there is no copy it could confirm, whatever the app's
    /// status predicate accepts. Reported as <see cref="ImageDownloadResponse.NotModified"/> (an empty body the caller
    /// must keep its copy for), or as an empty non-image, it misleads; it is the HTTP status error it is without one.
    /// </summary>
    [TestMethod]
    [DataRow(false, DisplayName = "RequireImageContent off")]
    [DataRow(true, DisplayName = "RequireImageContent on")]
    public async Task DownloadAsync_NotModifiedWithoutValidatorsAcceptedByThePredicate_IsAnHttpStatusError(bool requireImageContent)
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.AcceptStatusCode = _ => true;
        options.RequireImageContent = requireImageContent;
        using var downloader = new ImageDownloader(options);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/304")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.HttpStatus, ex.Failure);
        Assert.AreEqual(HttpStatusCode.NotModified, ex.StatusCode);
        StringAssert.Contains(ex.Message, "without validators");
    }

    /// <summary>Validators the request modifier sends are validators too: their 304 is the predicate's to accept.</summary>
    [TestMethod]
    public async Task DownloadAsync_NotModifiedToTheModifiersValidatorsAcceptedByThePredicate_IsNotModified()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.AcceptStatusCode = _ => true;
        options.RequireImageContent = false;
        options.RequestModifier = (message, _) =>
        {
            message.Headers.TryAddWithoutValidation("If-None-Match", "\"v1\"");
            return default;
        };
        using var downloader = new ImageDownloader(options);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/304")), cancellationToken: TestContext.CancellationToken);

        Assert.IsTrue(response.NotModified);
    }

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string url) =>
        downloader.DownloadAsync(new ImageDownloadRequest(new Uri(url)), cancellationToken: TestContext.CancellationToken);
}
