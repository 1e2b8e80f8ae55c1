using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>
/// HTTPS against a real Kestrel server with a self-signed certificate: certificate validation stays on unless the app
/// relaxes it, and HTTP/2 is negotiated (ALPN) where the server offers it, as URLSession does for SDWebImage.
/// </summary>
[TestClass]
public sealed class ImageDownloaderTlsTests
{
    private static X509Certificate2 s_certificate = null!;
    private static ImageServer s_server = null!;
    private static readonly ConcurrentQueue<(string Path, string Protocol, string Connection)> s_requests = new();
    private static TaskCompletionSource s_endlessAborted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_certificate = TestCertificates.SelfSignedForLoopback();
        s_server = await ImageServer.StartAsync(
            (app, _) =>
            {
                app.Use(async (http, next) =>
                {
                    s_requests.Enqueue((http.Request.Path.Value ?? string.Empty, http.Request.Protocol, http.Connection.Id));
                    await next(http);
                });
                app.MapGet("/image/{n:int}", (HttpContext http, int n) => ImageServer.WriteAsync(http, ImageServer.Gif));
                app.MapGet("/endless", async http =>
                {
                    // A GIF header, then bytes for ever (no Content-Length), until the client resets the stream.
                    var aborted = s_endlessAborted;
                    http.RequestAborted.Register(() => aborted.TrySetResult());
                    http.Response.ContentType = "image/gif";
                    var chunk = new byte[16 * 1024];
                    ImageServer.Gif.AsSpan(0, 16).CopyTo(chunk);
                    try
                    {
                        while (!http.RequestAborted.IsCancellationRequested)
                        {
                            await http.Response.Body.WriteAsync(chunk, http.RequestAborted);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
            },
            s_certificate,
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync()
    {
        await s_server.DisposeAsync();
        s_certificate.Dispose();
    }

    [TestMethod]
    public async Task DownloadAsync_SelfSignedCertificateByDefault_FailsOnceWithATlsErrorAndNoRequestReachesTheServer()
    {
        using var downloader = new ImageDownloader();
        var url = s_server.Url("/image/1");

        var error = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.Network, error.Failure);
        Assert.Contains("the TLS connection failed", error.Message);
        Assert.AreEqual(1, error.Attempts, "a certificate that does not validate is not a transient failure: no retries");
        Assert.AreEqual(0, s_server.Hits("/image/1"), "no request was sent over the unverified connection");
    }

    [TestMethod]
    public async Task DownloadAsync_AllowInvalidCertificates_LoadsFromASelfSignedServer()
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { AllowInvalidCertificates = true });

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/2")), cancellationToken: TestContext.CancellationToken);

        CollectionAssert.AreEqual(ImageServer.Gif, response.Data.ToArray());
    }

    [TestMethod]
    public async Task DownloadAsync_SixAtOnceOverHttps_UseHttp2OnOneConnection()
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { AllowInvalidCertificates = true });
        var paths = Enumerable.Range(100, 6).Select(n => $"/image/{n}").ToArray();

        // The first download opens the connection; the other five start together once it is up.
        var first = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(paths[0])), cancellationToken: TestContext.CancellationToken);
        var rest = await Task.WhenAll(paths.Skip(1).Select(path => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), cancellationToken: TestContext.CancellationToken)));

        CollectionAssert.AreEqual(Enumerable.Repeat(HttpVersion.Version20, 6).ToArray(), rest.Prepend(first).Select(r => r.HttpVersion).ToArray(), "the responses say so too");

        var seen = s_requests.Where(r => paths.Contains(r.Path)).ToArray();
        Assert.HasCount(6, seen);
        CollectionAssert.AreEqual(Enumerable.Repeat("HTTP/2", 6).ToArray(), seen.Select(r => r.Protocol).ToArray());
        Assert.AreEqual(1, seen.Select(r => r.Connection).Distinct().Count(), "HTTP/2 multiplexes the downloads over one connection");
    }

    [TestMethod]
    public async Task DownloadAsync_MaxHttpVersion11_StaysOnHttp1OverHttps()
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { AllowInvalidCertificates = true, MaxHttpVersion = HttpVersion.Version11 });

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/400")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual("HTTP/1.1", s_requests.Last(r => r.Path == "/image/400").Protocol);
        Assert.AreEqual(HttpVersion.Version11, response.HttpVersion);
    }

    [TestMethod]
    public async Task DownloadAsync_MaxHttpVersion30WithoutQuic_FallsBackToHttp2()
    {
        // HTTP/3 needs QUIC (libmsquic), which this machine lacks, as does a Mac without it installed: asking for 3.0
        // must still load over what the server and the platform offer, not fail. Where QUIC exists the server here,
        // which listens on TCP only, answers over HTTP/2 all the same.
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { AllowInvalidCertificates = true, MaxHttpVersion = HttpVersion.Version30 });

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/402")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual("HTTP/2", s_requests.Last(r => r.Path == "/image/402").Protocol);
        Assert.AreEqual(HttpVersion.Version20, response.HttpVersion);
        Assert.IsFalse(response.Data.IsEmpty);
    }

    [TestMethod]
    [DataRow("1.1", "HTTP/1.1")]
    [DataRow("2.0", "HTTP/2")]
    public async Task DownloadAsync_AppSuppliedClient_ItsDefaultRequestVersionDecides(string version, string expectedProtocol)
    {
        // An app's own client that trusts exactly this server's certificate (pinning), not any certificate.
        var thumbprint = s_certificate.GetCertHashString();
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint;
        using var client = new HttpClient(handler) { DefaultRequestVersion = Version.Parse(version), DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        using var downloader = new ImageDownloader(client);
        var path = $"/image/{200 + (version == "2.0" ? 1 : 0)}";

        await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(expectedProtocol, s_requests.Last(r => r.Path == path).Protocol);
    }

    [TestMethod]
    public async Task DownloadAsync_OversizedBodyOverHttp2_ResetsThatStreamAndTheConnectionServesTheNextDownload()
    {
        s_endlessAborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { AllowInvalidCertificates = true, MaxResponseBytes = 100_000 });
        await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/300")), cancellationToken: TestContext.CancellationToken);

        var error = await Assert.ThrowsExactlyAsync<ImageDownloadException>(
            () => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/endless")), cancellationToken: TestContext.CancellationToken));
        await s_endlessAborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/image/301")), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageDownloadFailure.TooLarge, error.Failure);
        var connections = s_requests.Where(r => r.Path is "/image/300" or "/endless" or "/image/301").ToArray();
        Assert.IsTrue(connections.All(r => r.Protocol == "HTTP/2"), string.Join(", ", connections.Select(r => r.Protocol)));
        Assert.AreEqual(1, connections.Select(r => r.Connection).Distinct().Count(), "the reset ended one stream, not the shared connection");
    }

    [TestMethod]
    public async Task DownloadAsync_CancelledOverHttp2_TheServerSeesTheRequestAborted()
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions { AllowInvalidCertificates = true });
        var gate = s_server.GateFor("tls-cancel");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);

        var download = downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/gate/tls-cancel")), cancellationToken: cancel.Token);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await cancel.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => download);
        await gate.Aborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual("HTTP/2", s_requests.Last(r => r.Path == "/gate/tls-cancel").Protocol);
        Assert.IsTrue(Leaks.Eventually(() => downloader.ActiveDownloads == 0), "the cancelled download freed its slot");
    }
}
