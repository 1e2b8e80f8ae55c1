using System.Net;
using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Faults a second review of the downloader found (2026-12-05): a <c>304</c> to a request without validators reported as
/// <see cref="ImageDownloadResponse.NotModified"/> when the app's status predicate accepts it, one host counted in two
/// circuits when named in Unicode and in punycode, and a <c>206</c> to a whole-image request accepted by a custom predicate.
/// </summary>
[TestClass]
public sealed class ImageDownloaderStatusAndHostKeyTests
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
                app.MapGet("/idn/{n}", (HttpContext http, string n) => http.Response.StatusCode = 503);
                app.MapGet("/partial", async (HttpContext http) =>
                {
                    // Part of the image, to a request for all of it (or, when asked for a range, that range's start).
                    http.Response.StatusCode = 206;
                    http.Response.Headers.ContentRange = $"bytes 0-99/{ImageServer.BigGif.Length}";
                    http.Response.ContentType = "image/gif";
                    await http.Response.Body.WriteAsync(ImageServer.BigGif.AsMemory(0, 100));
                });
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

    /// <summary>
    /// <c>http://bücher.example/</c> and <c>http://xn--bcher-kva.example/</c> are one host (the request goes to the
    /// punycode name either way): their failures count towards one circuit, which two failures (one by each name) open.
    /// </summary>
    [TestMethod]
    public async Task DownloadAsync_HostNamedInUnicodeAndInPunycode_SharesOneCircuit()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 2,
            SamplingDuration = TimeSpan.FromSeconds(60),
            BreakDuration = TimeSpan.FromSeconds(60),
        };

        // Every request is sent to the loopback server, whatever host it names.
        options.RequestModifier = (message, _) =>
        {
            message.RequestUri = s_server.Url("/idn" + message.RequestUri!.AbsolutePath);
            return default;
        };
        using var downloader = new ImageDownloader(options);

        var unicode = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "http://bücher.example/1"));
        var punycode = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "http://xn--bcher-kva.example/2"));
        Assert.AreEqual(ImageDownloadFailure.HttpStatus, unicode.Failure);
        Assert.AreEqual(ImageDownloadFailure.HttpStatus, punycode.Failure);

        var third = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "http://bücher.example/3"));

        Assert.AreEqual(ImageDownloadFailure.CircuitOpen, third.Failure, third.Message);
        Assert.AreEqual(0, s_server.Hits("/idn/3"), "no request reaches an open circuit's host");
    }

    /// <summary>
    /// A <c>206</c> to a request that asked for no range is part of the image, never one to decode or keep, also when the
    /// app's status predicate accepts more than 200–299 (here a 404 too): only the predicate of an app whose request
    /// modifier asks for a range decides what to make of its parts.
    /// </summary>
    [TestMethod]
    public async Task DownloadAsync_PartialContentToAWholeImageRequestWithACustomPredicate_IsAnHttpStatusError()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.AcceptStatusCode = r => r.IsSuccessStatusCode || r.StatusCode == HttpStatusCode.NotFound;
        using var downloader = new ImageDownloader(options);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/partial")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.HttpStatus, ex.Failure);
        Assert.AreEqual(HttpStatusCode.PartialContent, ex.StatusCode);
    }

    /// <summary>The app's own range request (its modifier sets <c>Range</c>) gets the part its predicate accepts.</summary>
    [TestMethod]
    public async Task DownloadAsync_PartialContentToTheModifiersRangeWithACustomPredicate_ReturnsThePart()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.AcceptStatusCode = r => r.IsSuccessStatusCode;
        options.RequestModifier = (message, _) =>
        {
            message.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);
            return default;
        };
        using var downloader = new ImageDownloader(options);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/partial")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.AreEqual(100, response.Data.Length);
    }

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string url) =>
        downloader.DownloadAsync(new ImageDownloadRequest(new Uri(url)), cancellationToken: TestContext.CancellationToken);
}
