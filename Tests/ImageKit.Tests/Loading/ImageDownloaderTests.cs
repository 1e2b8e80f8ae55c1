using System.Net;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

[TestClass]
public sealed class ImageDownloaderTests
{
    private const string ETag = "\"v1\"";
    private static readonly DateTimeOffset s_lastModified = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, _) =>
            {
                app.MapGet("/image.gif", context => ImageServer.WriteAsync(context, ImageServer.Gif));
                app.MapGet("/image-as-text", context => ImageServer.WriteAsync(context, ImageServer.Png, "text/plain"));
                app.MapGet("/html/{id}", context => ImageServer.WriteAsync(context, "<!DOCTYPE html><html><body>Not found</body></html>"u8.ToArray(), "text/html"));
                app.MapGet("/empty", context => ImageServer.WriteAsync(context, [], "image/gif"));
                app.MapGet("/status/{code:int}", (HttpContext context, int code) => context.Response.StatusCode = code);
                app.MapGet("/headers", context =>
                {
                    var ok = context.Request.Headers["X-Token"] == "secret" && context.Request.Headers["X-Modified"] == "yes";
                    return ok ? ImageServer.WriteAsync(context, ImageServer.Gif) : WriteStatusAsync(context, 403);
                });
                app.MapGet("/user-agent", context => ImageServer.WriteAsync(context, System.Text.Encoding.ASCII.GetBytes(context.Request.Headers.UserAgent.ToString()), "text/plain"));
                app.MapGet("/etag", context =>
                {
                    context.Response.Headers.ETag = ETag;
                    context.Response.Headers.LastModified = s_lastModified.ToString("R");
                    if (context.Request.Headers.IfNoneMatch == ETag)
                    {
                        context.Response.StatusCode = 304;
                        return Task.CompletedTask;
                    }

                    return ImageServer.WriteAsync(context, ImageServer.Gif);
                });
                app.MapGet("/if-modified-since", context =>
                {
                    var since = context.Request.GetTypedHeaders().IfModifiedSince;
                    if (since >= s_lastModified)
                    {
                        context.Response.StatusCode = 304;
                        return Task.CompletedTask;
                    }

                    return ImageServer.WriteAsync(context, ImageServer.Gif);
                });
                app.MapGet("/redirect/{n:int}", (HttpContext context, int n) =>
                    context.Response.Redirect(n == 0 ? "/image.gif" : $"/redirect/{n - 1}"));
                app.MapGet("/loop", (HttpContext context) => context.Response.Redirect("/loop"));
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task DownloadAsync_Image_ReturnsExactBytesAndSniffedFormat()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var url = s_server.Url("/image.gif");

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(ImageServer.Gif, response.Data.ToArray());
        Assert.AreEqual(ImageFormat.Gif, response.SniffedFormat);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("image/gif", response.ContentType);
        Assert.AreEqual(url, response.RequestUrl);
        Assert.AreEqual(url, response.FinalUrl);
        Assert.IsFalse(response.NotModified);
        Assert.AreEqual(1, response.Attempts);
        Assert.AreEqual(HttpVersion.Version11, response.HttpVersion, "plain http is HTTP/1.1 (HTTP/2 is negotiated only over TLS)");

        // The waiter gets its response from inside the download, which gives its slot back just after: eventually free.
        Assert.IsTrue(Leaks.Eventually(() => downloader.ActiveDownloads == 0 && downloader.QueuedDownloads == 0), $"{downloader.ActiveDownloads} active, {downloader.QueuedDownloads} queued");
    }

    [TestMethod]
    public async Task DownloadAsync_ImageBytesWithTextContentType_AcceptsBytes()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image-as-text")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageFormat.Png, response.SniffedFormat);
        Assert.AreEqual("text/plain", response.ContentType);
        Assert.AreEqual(ImageServer.Png.Length, response.Data.Length);
    }

    [TestMethod]
    public async Task DownloadAsync_HtmlBody_ThrowsNotAnImageSayingHtml()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var url = s_server.Url("/html/rejected");

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.NotAnImage, ex.Failure);
        Assert.AreEqual(url.ToString(), ex.SourceName);
        StringAssert.Contains(ex.Message, "an HTML page");
        StringAssert.Contains(ex.Message, "text/html");
        Assert.AreEqual(1, ex.Attempts, "a non-image is not retried");
        Assert.AreEqual(1, s_server.Hits("/html/rejected"));
    }

    [TestMethod]
    public async Task DownloadAsync_HtmlBodyWithoutRequireImageContent_ReturnsBytes()
    {
        var options = DownloadTestOptions.Fast();
        options.RequireImageContent = false;
        using var downloader = new ImageDownloader(options);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/html/accepted")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageFormat.Unknown, response.SniffedFormat);
        Assert.IsGreaterThan(0, response.Data.Length);
    }

    [TestMethod]
    public async Task DownloadAsync_EmptyBody_ThrowsNotAnImage()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/empty")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.NotAnImage, ex.Failure);
        StringAssert.Contains(ex.Message, "the body is empty (Content-Type image/gif)");
    }

    [TestMethod]
    public async Task DownloadAsync_NotFound_ThrowsHttpStatusWithoutRetrying()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/404")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.HttpStatus, ex.Failure);
        Assert.AreEqual(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.AreEqual("HTTP 404 Not Found", ex.Message);
        Assert.AreEqual(1, ex.Attempts);
        Assert.AreEqual(1, s_server.Hits("/status/404"));
    }

    [TestMethod]
    public async Task DownloadAsync_NotImplemented_IsNotRetried()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/501")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(HttpStatusCode.NotImplemented, ex.StatusCode);
        Assert.AreEqual(1, s_server.Hits("/status/501"));
    }

    [TestMethod]
    public async Task DownloadAsync_AcceptStatusCodeAcceptsNoContent_BodyIsThenChecked()
    {
        var options = DownloadTestOptions.Fast();
        options.AcceptStatusCode = response => response.StatusCode == HttpStatusCode.NoContent;
        using var downloader = new ImageDownloader(options);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/204")), cancellationToken: TestContext.CancellationToken));
        var rejected = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image.gif")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.NotAnImage, ex.Failure, "204 was accepted, its empty body is not an image");
        Assert.AreEqual(ImageDownloadFailure.HttpStatus, rejected.Failure, "200 is not accepted any more");
    }

    [TestMethod]
    public async Task DownloadAsync_RequestHeadersAndModifier_ReachTheServer()
    {
        var options = DownloadTestOptions.Fast();
        options.RequestModifier = (message, _) =>
        {
            message.Headers.Add("X-Modified", "yes");
            return ValueTask.CompletedTask;
        };
        using var downloader = new ImageDownloader(options);
        var request = new ImageDownloadRequest(s_server.Url("/headers")) { Headers = new Dictionary<string, string> { ["X-Token"] = "secret" } };

        var response = await downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [TestMethod]
    public async Task DownloadAsync_ContentHeaderOnGet_ThrowsInvalidRequestWithoutSending()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var request = new ImageDownloadRequest(s_server.Url("/image.gif")) { Headers = new Dictionary<string, string> { ["Content-Type"] = "image/gif" } };

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(request, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, ex.Failure);
        StringAssert.Contains(ex.Message, "'Content-Type'");
    }

    [TestMethod]
    public async Task DownloadAsync_OwnedClient_SendsImageKitUserAgentUnlessOverridden()
    {
        var options = DownloadTestOptions.Fast();
        options.RequireImageContent = false;
        using var downloader = new ImageDownloader(options);

        var standard = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/user-agent")), cancellationToken: TestContext.CancellationToken);
        var custom = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/user-agent")) { Headers = new Dictionary<string, string> { ["User-Agent"] = "MyApp/2.0" } }, cancellationToken: TestContext.CancellationToken);

        StringAssert.StartsWith(System.Text.Encoding.ASCII.GetString(standard.Data.Span), "ImageKit/");
        Assert.AreEqual("MyApp/2.0", System.Text.Encoding.ASCII.GetString(custom.Data.Span));
    }

    [TestMethod]
    public async Task DownloadAsync_IfNoneMatchMatches_ReturnsNotModifiedWithValidators()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var url = s_server.Url("/etag");

        var first = await downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken);
        var second = await downloader.DownloadAsync(new ImageDownloadRequest(url) { IfNoneMatch = first.ETag }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ETag, first.ETag);
        Assert.AreEqual(s_lastModified, first.LastModified);
        Assert.IsFalse(first.NotModified);
        Assert.IsTrue(second.NotModified);
        Assert.AreEqual(HttpStatusCode.NotModified, second.StatusCode);
        Assert.AreEqual(0, second.Data.Length);
        Assert.AreEqual(ETag, second.ETag);
    }

    [TestMethod]
    public async Task DownloadAsync_IfNoneMatchStale_ReturnsFullBody()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/etag")) { IfNoneMatch = "\"v0\"" }, cancellationToken: TestContext.CancellationToken);

        Assert.IsFalse(response.NotModified);
        Assert.AreEqual(ImageServer.Gif.Length, response.Data.Length);
    }

    [TestMethod]
    public async Task DownloadAsync_IfModifiedSince_SendsHeaderAndReturnsNotModified()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var current = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/if-modified-since")) { IfModifiedSince = s_lastModified }, cancellationToken: TestContext.CancellationToken);
        var stale = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/if-modified-since")) { IfModifiedSince = s_lastModified.AddDays(-1) }, cancellationToken: TestContext.CancellationToken);

        Assert.IsTrue(current.NotModified);
        Assert.IsFalse(stale.NotModified);
    }

    [TestMethod]
    public async Task DownloadAsync_NotModifiedWithoutValidators_IsAnHttpStatusError()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/status/304")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.HttpStatus, ex.Failure);
        Assert.AreEqual(HttpStatusCode.NotModified, ex.StatusCode);
    }

    [TestMethod]
    public async Task DownloadAsync_Redirects_FollowsAndReportsFinalUrl()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/redirect/3")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(s_server.Url("/image.gif"), response.FinalUrl);
        Assert.AreEqual(s_server.Url("/redirect/3"), response.RequestUrl);
        Assert.AreEqual(ImageServer.Gif.Length, response.Data.Length);
    }

    [TestMethod]
    public async Task DownloadAsync_RedirectLoop_ThrowsTooManyRedirects()
    {
        var options = DownloadTestOptions.Fast();
        options.MaxRedirects = 5;
        using var downloader = new ImageDownloader(options);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/loop")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.TooManyRedirects, ex.Failure);
        StringAssert.Contains(ex.Message, "more than MaxRedirects (5)");
        StringAssert.Contains(ex.Message, "/loop");
        Assert.AreEqual(1, ex.Attempts, "a redirect loop is not retried");
    }

    [TestMethod]
    public async Task DownloadAsync_MoreRedirectsThanAllowed_ThrowsTooManyRedirects()
    {
        var options = DownloadTestOptions.Fast();
        options.MaxRedirects = 2;
        using var downloader = new ImageDownloader(options);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/redirect/2")), cancellationToken: TestContext.CancellationToken));
        var within = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/redirect/1")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageDownloadFailure.TooManyRedirects, ex.Failure);
        Assert.AreEqual(s_server.Url("/image.gif"), within.FinalUrl);
    }

    [TestMethod]
    public async Task DownloadAsync_MaxRedirectsZero_DoesNotFollow()
    {
        var options = DownloadTestOptions.Fast();
        options.MaxRedirects = 0;
        using var downloader = new ImageDownloader(options);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/redirect/0")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.TooManyRedirects, ex.Failure);
        StringAssert.Contains(ex.Message, "MaxRedirects is 0");
    }

    [TestMethod]
    public async Task DownloadAsync_AppSuppliedClient_IsUsedAndNotDisposed()
    {
        using var client = new HttpClient();
        using (var downloader = new ImageDownloader(client, DownloadTestOptions.Fast()))
        {
            var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image.gif")), cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageServer.Gif.Length, response.Data.Length);
        }

        using var after = await client.GetAsync(s_server.Url("/image.gif"), TestContext.CancellationToken);
        Assert.AreEqual(HttpStatusCode.OK, after.StatusCode);
    }

    private static Task WriteStatusAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
