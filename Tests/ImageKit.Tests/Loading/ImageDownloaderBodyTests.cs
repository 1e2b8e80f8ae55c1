using System.Collections.Concurrent;
using System.IO.Compression;
using ImageKit.Loading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>Bodies that are cut off, mislabelled, oversized, slow or compressed.</summary>
[TestClass]
public sealed class ImageDownloaderBodyTests
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_aborted = new();
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await ImageServer.StartAsync(
            (app, _) =>
            {
                app.MapGet("/truncated", async context =>
                {
                    context.Response.ContentType = "image/gif";
                    context.Response.ContentLength = ImageServer.BigGif.Length;
                    await context.Response.Body.WriteAsync(ImageServer.BigGif.AsMemory(0, ImageServer.BigGif.Length / 3));
                    await context.Response.Body.FlushAsync();
                    context.Abort();
                });
                app.MapGet("/short-content-length", async context =>
                {
                    // Declares more than it sends and then ends the response normally; Kestrel closes the connection.
                    context.Response.ContentType = "image/gif";
                    context.Response.ContentLength = ImageServer.Gif.Length + 100;
                    await context.Response.Body.WriteAsync(ImageServer.Gif);
                });
                app.MapGet("/long-content-body/{id}", async context =>
                {
                    // Declares fewer bytes than it writes, flushing the declared part first.
                    context.Response.ContentType = "image/gif";
                    context.Response.ContentLength = ImageServer.Gif.Length / 2;
                    await context.Response.Body.WriteAsync(ImageServer.Gif.AsMemory(0, ImageServer.Gif.Length / 2));
                    await context.Response.Body.FlushAsync();
                    await context.Response.Body.WriteAsync(ImageServer.Gif.AsMemory(ImageServer.Gif.Length / 2));
                });
                app.MapGet("/drip", async context =>
                {
                    context.Response.ContentType = "image/gif";
                    context.Response.ContentLength = ImageServer.Gif.Length;
                    var chunk = ImageServer.Gif.Length / 8 + 1;
                    for (var offset = 0; offset < ImageServer.Gif.Length; offset += chunk)
                    {
                        await context.Response.Body.WriteAsync(ImageServer.Gif.AsMemory(offset, Math.Min(chunk, ImageServer.Gif.Length - offset)));
                        await context.Response.Body.FlushAsync();
                        await Task.Delay(15);
                    }
                });
                app.MapGet("/oversized-declared/{id}", async context =>
                {
                    var aborted = s_aborted.GetOrAdd(context.Request.Path.Value!, _ => new());
                    context.RequestAborted.Register(() => aborted.TrySetResult());
                    context.Response.ContentType = "image/gif";
                    context.Response.ContentLength = 50_000_000;
                    await WriteUntilAbortedAsync(context);
                });
                app.MapGet("/oversized-chunked/{id}", async context =>
                {
                    var aborted = s_aborted.GetOrAdd(context.Request.Path.Value!, _ => new());
                    context.RequestAborted.Register(() => aborted.TrySetResult());
                    context.Response.ContentType = "image/gif";
                    await WriteUntilAbortedAsync(context);
                });
                app.MapGet("/gzip", async context =>
                {
                    using var compressed = new MemoryStream();
                    await using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
                    {
                        await gzip.WriteAsync(ImageServer.Png);
                    }

                    context.Response.Headers.ContentEncoding = "gzip";
                    await ImageServer.WriteAsync(context, compressed.ToArray(), "image/png");
                });
                app.MapGet("/corrupt-encoding/{encoding}", async context =>
                {
                    // A body labelled compressed that does not decompress: for gzip, a valid header naming an unknown
                    // compression method (what the http-response fuzz target found); otherwise bytes no decoder takes.
                    var encoding = (string)context.Request.RouteValues["encoding"]!;
                    byte[] body = encoding == "gzip"
                        ? [0x1F, 0x8B, 0x07, 0, 0, 0, 0, 0, 0, 0xFF, .. ImageServer.Gif]
                        : [0xFF, 0xFF, 0xFF, 0xFF, .. ImageServer.Gif];
                    context.Response.Headers.ContentEncoding = encoding;
                    await ImageServer.WriteAsync(context, body, "image/gif");
                });
                app.MapGet("/exact-limit", context => ImageServer.WriteAsync(context, ImageServer.Gif));
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task DownloadAsync_GzipEncodedBody_ReturnsDecompressedImage()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));

        var response = await Download(downloader, "/gzip");

        CollectionAssert.AreEqual(ImageServer.Png, response.Data.ToArray());
    }

    [TestMethod]
    [DataRow("gzip")]
    [DataRow("deflate")]
    [DataRow("br")]
    public async Task DownloadAsync_CompressedBodyThatDoesNotDecompress_ThrowsNetworkFailureNamingIt(string encoding)
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 1));

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/corrupt-encoding/" + encoding));

        Assert.AreEqual(ImageDownloadFailure.Network, ex.Failure);
        Assert.AreEqual(2, ex.Attempts, "a body that does not decompress is retried, as a malformed response is");
        StringAssert.Contains(ex.Message, "could not be decompressed");
    }

    [TestMethod]
    public async Task DownloadAsync_TruncatedBody_ThrowsTruncatedNeverReturnsPartialData()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 1));

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/truncated"));

        Assert.AreEqual(ImageDownloadFailure.Truncated, ex.Failure);
        Assert.AreEqual(2, ex.Attempts, "a cut-off body is retried");
        StringAssert.Contains(ex.Message, $"of the {ImageServer.BigGif.Length} bytes in Content-Length");
    }

    [TestMethod]
    public async Task DownloadAsync_ContentLengthLargerThanBody_ThrowsTruncated()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/short-content-length"));

        Assert.AreEqual(ImageDownloadFailure.Truncated, ex.Failure);
        StringAssert.Contains(ex.Message, $"{ImageServer.Gif.Length} of the {ImageServer.Gif.Length + 100} bytes");
    }

    [TestMethod]
    public async Task DownloadAsync_ContentLengthSmallerThanBody_ReturnsOnlyTheDeclaredBytes()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));

        var response = await Download(downloader, "/long-content-body/a");

        Assert.AreEqual(ImageServer.Gif.Length / 2, response.Data.Length);
    }

    [TestMethod]
    public async Task DownloadAsync_SlowDrip_SucceedsWithMonotonicProgress()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var reports = new List<ImageDownloadProgress>();
        var progress = new SynchronousProgress<ImageDownloadProgress>(p =>
        {
            lock (reports)
            {
                reports.Add(p);
            }
        });

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/drip")), progress, TestContext.CancellationToken);

        CollectionAssert.AreEqual(ImageServer.Gif, response.Data.ToArray());
        Assert.IsGreaterThan(2, reports.Count, "several chunks were reported");
        for (var i = 1; i < reports.Count; i++)
        {
            Assert.IsGreaterThanOrEqualTo(reports[i - 1].BytesReceived, reports[i].BytesReceived);
        }

        Assert.AreEqual(ImageServer.Gif.Length, reports[^1].BytesReceived);
        Assert.IsTrue(reports.All(r => r.BytesExpected == ImageServer.Gif.Length));
        Assert.IsTrue(reports.All(r => r.PartialData.IsEmpty), "partial data only when asked for");
    }

    [TestMethod]
    public async Task DownloadAsync_DeclaredOversizedBody_RejectedBeforeReadingAndConnectionAborted()
    {
        var options = DownloadTestOptions.Fast();
        options.MaxResponseBytes = 1_000_000;
        using var downloader = new ImageDownloader(options);
        var aborted = s_aborted.GetOrAdd("/oversized-declared/a", _ => new());

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/oversized-declared/a"));

        Assert.AreEqual(ImageDownloadFailure.TooLarge, ex.Failure);
        StringAssert.Contains(ex.Message, "50000000 bytes (Content-Length), more than MaxResponseBytes (1000000 bytes)");
        Assert.AreEqual(1, ex.Attempts, "too large is not retried");
        await aborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
    }

    [TestMethod]
    public async Task DownloadAsync_UndeclaredOversizedBody_AbortedWhileStreaming()
    {
        var options = DownloadTestOptions.Fast();
        options.MaxResponseBytes = 200_000;
        using var downloader = new ImageDownloader(options);
        var aborted = s_aborted.GetOrAdd("/oversized-chunked/a", _ => new());

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => Download(downloader, "/oversized-chunked/a"));

        Assert.AreEqual(ImageDownloadFailure.TooLarge, ex.Failure);
        StringAssert.Contains(ex.Message, "larger than MaxResponseBytes (200000 bytes)");
        await aborted.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
    }

    [TestMethod]
    public async Task DownloadAsync_BodyExactlyAtLimit_IsAccepted()
    {
        var options = DownloadTestOptions.Fast();
        options.MaxResponseBytes = ImageServer.Gif.Length;
        using var downloader = new ImageDownloader(options);

        var response = await Download(downloader, "/exact-limit");

        Assert.AreEqual(ImageServer.Gif.Length, response.Data.Length);
    }

    private static async Task WriteUntilAbortedAsync(HttpContext context)
    {
        var chunk = new byte[16 * 1024];
        ImageServer.Gif.AsSpan(0, 16).CopyTo(chunk);
        try
        {
            for (var i = 0; i < 3000 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                chunk.AsSpan(0, 16).Clear();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away, as it should.
        }
    }

    private Task<ImageDownloadResponse> Download(ImageDownloader downloader, string path) =>
        downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)), cancellationToken: TestContext.CancellationToken);
}
