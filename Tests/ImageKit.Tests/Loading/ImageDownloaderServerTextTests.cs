using System.Net;
using System.Net.Sockets;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ImageKit.Tests.Loading;

/// <summary>
/// What a server chose to say (a reason phrase, the status line .NET quotes, a Location) appears in an error clipped to
/// 200 characters: an HTTP/0.9-style answer (image bytes where the status line belongs) made one failure a screenful of
/// binary. And a redirect status that cannot be followed says why: no Location, or one that is not a URL (it said only
/// "HTTP 302 Found").
/// </summary>
[TestClass]
public sealed class ImageDownloaderServerTextTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(30_000, CooperativeCancellation = true)]
    public async Task DownloadAsync_ImageBytesInsteadOfAStatusLine_QuotesThemClipped()
    {
        var body = Corpus.Read("TestImage.gif");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = ServeRawAsync(listener, body);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/a.gif");

        var error = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.Network, error.Failure);
        StringAssert.StartsWith(error.Message, "the server sent an invalid HTTP response (");
        StringAssert.Contains(error.Message, "GIF89a");
        StringAssert.Contains(error.Message, " characters)");
        Assert.IsLessThan(400, error.Message.Length, error.Message);
        listener.Stop();
        await serving;
    }

    [TestMethod]
    public async Task DownloadAsync_AnEndlessReasonPhrase_IsClipped()
    {
        var phrase = new string('x', 5000);
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/a.gif", (HttpContext context) =>
            {
                context.Response.StatusCode = 404;
                context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = phrase;
            }),
            TestContext.CancellationToken);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));

        var error = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(server.Url("/a.gif")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual($"HTTP 404 {new string('x', 200)}… (5000 characters)", error.Message);
    }

    [TestMethod]
    [DataRow(null, "HTTP 302 Found: a redirect without a Location")]
    [DataRow("http://[::1", "HTTP 302 Found: a redirect whose Location is not a URL ('http://[::1')")]
    public async Task DownloadAsync_ARedirectWithNoUsableLocation_SaysWhatIsWrongWithIt(string? location, string expected)
    {
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/a.gif", (HttpContext context) =>
            {
                context.Response.StatusCode = 302;
                if (location is not null)
                {
                    context.Response.Headers.Location = location;
                }
            }),
            TestContext.CancellationToken);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));

        var error = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(server.Url("/a.gif")), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.HttpStatus, error.Failure);
        Assert.AreEqual(expected, error.Message);
    }

    // Answers every connection with `body` alone, no status line or headers, and closes it.
    private async Task ServeRawAsync(TcpListener listener, byte[] body)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(TestContext.CancellationToken);
                var stream = client.GetStream();
                var request = new byte[4096];
                _ = await stream.ReadAsync(request, TestContext.CancellationToken);
                await stream.WriteAsync(body, TestContext.CancellationToken);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // Stopped (InvalidOperationException "Not listening": the test stopped the listener between two connections).
        }
    }
}
