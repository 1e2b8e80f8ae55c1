using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A <see cref="ImageDownloaderOptions.RequestModifier"/> that points the request somewhere the client cannot send it, or
/// gives it a header value the downloader's own client cannot send: the download fails as the documented
/// <see cref="ImageDownloadException"/> (<see cref="ImageDownloadFailure.InvalidRequest"/>), unsent and not retried, not
/// with the HTTP stack's exception or as a network error retried and counted against the host.
/// </summary>
[TestClass]
public sealed class ImageDownloaderModifierTargetTests
{
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context) =>
        s_server = await ImageServer.StartAsync(
            (app, _) => app.MapGet("/image/{name}", (HttpContext http) => ImageServer.WriteAsync(http, ImageServer.Gif)),
            context.CancellationToken);

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    [DataRow("file:///etc/hostname")]
    [DataRow("ftp://127.0.0.1/image.gif")]
    [DataRow("relative/image.gif")]
    public async Task DownloadAsync_RequestModifierSetsAUrlTheClientCannotSend_FailsAsInvalidRequestAndIsNotRetried(string target)
    {
        var options = DownloadTestOptions.Fast(maxRetries: 3);
        var calls = 0;
        options.RequestModifier = (message, _) =>
        {
            Interlocked.Increment(ref calls);
            message.RequestUri = new Uri(target, UriKind.RelativeOrAbsolute);
            return default;
        };
        using var downloader = new ImageDownloader(options);

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(
            () => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/modified")), null, TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, ex.Failure);
        Assert.AreEqual(1, calls, "the same modifier would point the next attempt to the same place: not retried");
        StringAssert.Contains(ex.Message, "RequestModifier");
        Assert.AreEqual(0, s_server.Hits("/image/modified"));
        Assert.AreEqual(0, ex.Attempts, "no request was sent");
    }

    [TestMethod]
    public async Task DownloadAsync_RequestModifierSetsAnotherHttpUrl_DownloadsFromThere()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        var target = s_server.Url("/image/elsewhere");
        options.RequestModifier = (message, _) =>
        {
            message.RequestUri = target;
            return default;
        };
        using var downloader = new ImageDownloader(options);

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/asked")), null, TestContext.CancellationToken);

        CollectionAssert.AreEqual(ImageServer.Gif, response.Data.ToArray());
        Assert.AreEqual(target, response.FinalUrl);
    }

    [TestMethod]
    [DataRow("Jos\u00e9's phone", "non-ascii")]
    [DataRow("a\u0000b", "nul")]
    [DataRow("a\r\nX-Injected: 1", "line-break")]
    public async Task DownloadAsync_RequestModifierSetsAHeaderValueThatCannotBeSent_FailsAsInvalidRequestAndIsNotRetried(string value, string name)
    {
        var options = DownloadTestOptions.Fast(maxRetries: 3);
        var calls = 0;
        options.RequestModifier = (message, _) =>
        {
            Interlocked.Increment(ref calls);
            message.Headers.TryAddWithoutValidation("X-Device", value);
            return default;
        };
        using var downloader = new ImageDownloader(options);
        var path = "/image/modified-header-" + name;

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(
            () => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), null, TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, ex.Failure, ex.Message);
        Assert.AreEqual(1, calls, "every attempt would carry the same header: not retried (a non-ASCII letter was, as a network error)");
        StringAssert.Contains(ex.Message, "'X-Device'");
        Assert.AreEqual(0, s_server.Hits(path), "nothing was sent (a NUL reached the server, a line break cut the value short)");
        Assert.AreEqual(0, ex.Attempts, "no request was sent");
    }
}
