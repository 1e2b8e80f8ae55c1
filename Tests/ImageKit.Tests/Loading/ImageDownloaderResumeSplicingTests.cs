using System.IO.Compression;
using System.Net;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>Resuming: answers that must not be spliced onto the kept bytes (another version, another resource, a body
/// longer than it says), and what the result carries over from the first response.</summary>
[TestClass]
public sealed class ImageDownloaderResumeSplicingTests
{
    private static readonly byte[] A = ImageServer.BigGif;

    // Same length as A, same first bytes (a GIF), different bytes after the first third: another version of the image.
    private static readonly byte[] B = Changed(A);

    public TestContext TestContext { get; set; } = null!;

    private static byte[] Changed(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        for (var i = copy.Length / 4; i < copy.Length; i++)
        {
            copy[i] ^= 0x5A;
        }

        return copy;
    }

    // A 200 of the whole length that sends the first cutAt bytes of body, waits until the client has them, and resets.
    private static async Task CutAsync(HttpContext context, byte[] body, int cutAt, Task clientHasCut, Action<HttpResponse> headers)
    {
        context.Response.ContentType = "image/gif";
        context.Response.ContentLength = body.Length;
        context.Response.Headers.AcceptRanges = "bytes";
        headers(context.Response);
        await context.Response.Body.WriteAsync(body.AsMemory(0, cutAt));
        await context.Response.Body.FlushAsync();
        try
        {
            await clientHasCut.WaitAsync(DownloadTestOptions.Patience, context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }

        context.Abort();
    }

    private static long RangeStart(HttpContext context) =>
        long.Parse(context.Request.Headers.Range.ToString()["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task PartialAsync(HttpContext context, byte[] body, long from, Action<HttpResponse> headers)
    {
        context.Response.StatusCode = StatusCodes.Status206PartialContent;
        context.Response.ContentType = "image/gif";
        context.Response.Headers.AcceptRanges = "bytes";
        context.Response.Headers.ContentRange = $"bytes {from}-{body.Length - 1}/{body.Length}";
        context.Response.ContentLength = body.Length - from;
        headers(context.Response);
        await context.Response.Body.WriteAsync(body.AsMemory((int)from));
    }

    /// <summary>
    /// A server that honours Range but not If-Range (RFC 9110 §13.1.5 says it must, but plenty of small servers and
    /// some proxies do not): the 206 says outright that it is another version (ETag "v2" against If-Range "v1", or a
    /// later Last-Modified, also when the first answer had an ETag too and the 206 leaves its ETag out). RFC 9110
    /// §15.3.7.3: parts may be combined only when they share the same strong validator.
    /// </summary>
    [TestMethod]
    [DataRow("etag")]
    [DataRow("last-modified")]
    [DataRow("etag-then-only-last-modified")]
    public async Task Resumed_206WhoseValidatorDiffersFromIfRange_IsNotSpliced(string validator)
    {
        var cutAt = A.Length / 3;
        var clientHasCut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = new List<(string? Range, string? IfRange)>();
        var v1 = DateTimeOffset.UtcNow.AddDays(-2);
        var v2 = DateTimeOffset.UtcNow.AddDays(-1);
        Action<HttpResponse> first = validator == "last-modified"
            ? r => r.Headers.LastModified = v1.ToString("r")
            : r => (r.Headers.ETag, r.Headers.LastModified) = ("\"v1\"", v1.ToString("r"));
        Action<HttpResponse> second = validator == "etag"
            ? r => r.Headers.ETag = "\"v2\""
            : r => r.Headers.LastModified = v2.ToString("r");
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/img", async context =>
        {
            int n;
            lock (requests)
            {
                requests.Add((context.Request.Headers.Range.Count == 0 ? null : context.Request.Headers.Range.ToString(), context.Request.Headers.IfRange.Count == 0 ? null : context.Request.Headers.IfRange.ToString()));
                n = requests.Count;
            }

            if (n == 1)
            {
                await CutAsync(context, A, cutAt, clientHasCut.Task, first);
            }
            else if (context.Request.Headers.Range.Count > 0)
            {
                // Range honoured, If-Range ignored: the rest of the current version.
                await PartialAsync(context, B, RangeStart(context), second);
            }
            else
            {
                context.Response.ContentType = "image/gif";
                second(context.Response);
                await context.Response.Body.WriteAsync(B);
            }
        }), TestContext.CancellationToken);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 1));
        var progress = new SynchronousProgress<ImageDownloadProgress>(p =>
        {
            if (p.BytesReceived >= cutAt)
            {
                clientHasCut.TrySetResult();
            }
        });

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(server.Url("/img")), progress, TestContext.CancellationToken);

        Assert.IsNotNull(requests[1].IfRange, "the rest was asked for on condition");
        var data = response.Data.ToArray();
        Assert.IsTrue(data.AsSpan().SequenceEqual(B), $"the body is one version whole, not the first {response.ResumedBytes} bytes of v1 followed by the rest of v2 (status {(int)response.StatusCode}, ETag {response.ETag})");
    }

    /// <summary>
    /// Kept bytes came from the resource a redirect ended at; the next request for the same URL is redirected elsewhere.
    /// Entity tags only tell apart versions of one resource (RFC 9110 §8.8.3), so two resources may well share one (nginx's
    /// default is mtime-size: files deployed together, of the same size). URLSession's resume data records the final URL.
    /// </summary>
    [TestMethod]
    public async Task Resumed_AfterARedirectToAnotherResource_IsNotSpliced()
    {
        var cutAt = A.Length / 3;
        var clientHasCut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aliasHits = 0;
        const string SharedETag = "\"65f1a2b3-1c2b\"";
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/latest", context =>
            {
                var hit = Interlocked.Increment(ref aliasHits);
                context.Response.Redirect(hit == 1 ? "/files/a.gif" : "/files/b.gif");
                return Task.CompletedTask;
            });
            app.MapGet("/files/a.gif", context => CutAsync(context, A, cutAt, clientHasCut.Task, r => r.Headers.ETag = SharedETag));

            // A correct server: If-Range matches its own ETag, so it sends the range asked for.
            app.MapGet("/files/b.gif", context => context.Request.Headers.Range.Count > 0 && context.Request.Headers.IfRange == SharedETag
                ? PartialAsync(context, B, RangeStart(context), r => r.Headers.ETag = SharedETag)
                : Results.Bytes(B, "image/gif", entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue(SharedETag), enableRangeProcessing: true).ExecuteAsync(context));
        }, TestContext.CancellationToken);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 1));
        var progress = new SynchronousProgress<ImageDownloadProgress>(p =>
        {
            if (p.BytesReceived >= cutAt)
            {
                clientHasCut.TrySetResult();
            }
        });

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(server.Url("/latest")), progress, TestContext.CancellationToken);

        Assert.AreEqual(server.Url("/files/b.gif"), response.FinalUrl);
        Assert.IsTrue(response.Data.Span.SequenceEqual(B), $"b.gif whole, not {response.ResumedBytes} bytes of a.gif followed by the rest of b.gif");
    }

    /// <summary>The first response said no-store; the 206 with the rest did not repeat it.</summary>
    [TestMethod]
    public async Task Resumed_FirstResponseSaidNoStore_ResultIsNoStore()
    {
        var cutAt = A.Length / 3;
        var clientHasCut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/img", context => context.Request.Headers.Range.Count == 0
            ? CutAsync(context, A, cutAt, clientHasCut.Task, r => { r.Headers.ETag = "\"v1\""; r.Headers.CacheControl = "no-store"; })
            : PartialAsync(context, A, RangeStart(context), r => r.Headers.ETag = "\"v1\"")), TestContext.CancellationToken);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 1));
        var progress = new SynchronousProgress<ImageDownloadProgress>(p =>
        {
            if (p.BytesReceived >= cutAt)
            {
                clientHasCut.TrySetResult();
            }
        });

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(server.Url("/img")), progress, TestContext.CancellationToken);

        Assert.IsGreaterThan(0L, response.ResumedBytes);
        CollectionAssert.AreEqual(A, response.Data.ToArray());
        Assert.IsTrue(response.NoStore, "the bytes kept came from a no-store response");
    }

    /// <summary>Expected to pass: a gzip-encoded body (decompressed by the handler) is never resumed at a decoded offset.</summary>
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task GzipBodyCutOff_IsRetriedWholeWithoutRange(bool automaticDecompression)
    {
        byte[] gz;
        using (var ms = new MemoryStream())
        {
            using (var gzip = new GZipStream(ms, CompressionLevel.NoCompression, leaveOpen: true))
            {
                gzip.Write(A);
            }

            gz = ms.ToArray();
        }

        var cutAt = gz.Length / 3;
        var clientHasCut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ranges = new List<string?>();
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/img", context =>
        {
            lock (ranges)
            {
                ranges.Add(context.Request.Headers.Range.Count == 0 ? null : context.Request.Headers.Range.ToString());
            }

            return ranges.Count == 1
                ? CutAsync(context, gz, cutAt, clientHasCut.Task, r => { r.Headers.ETag = "\"v1\""; r.Headers.ContentEncoding = "gzip"; })
                : Task.Run(async () =>
                {
                    context.Response.ContentType = "image/gif";
                    context.Response.Headers.ContentEncoding = "gzip";
                    context.Response.Headers.ETag = "\"v1\"";
                    await context.Response.Body.WriteAsync(gz);
                });
        }), TestContext.CancellationToken);
        var options = DownloadTestOptions.Fast(maxRetries: 1);
        options.AutomaticDecompression = automaticDecompression;
        options.RequireImageContent = false;
        using var downloader = new ImageDownloader(options);
        var progress = new SynchronousProgress<ImageDownloadProgress>(p =>
        {
            if (p.BytesReceived > 0)
            {
                clientHasCut.TrySetResult();
            }
        });

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(server.Url("/img")), progress, TestContext.CancellationToken);

        CollectionAssert.AreEqual(automaticDecompression ? A : gz, response.Data.ToArray());
        Assert.AreEqual(0L, response.ResumedBytes);
        Assert.IsTrue(ranges.All(r => r is null), string.Join(", ", ranges));
    }

    /// <summary>Expected to pass: progress across an attempt that continues a cut body never goes back or past the total.</summary>
    [TestMethod]
    public async Task ResumedAttempt_ProgressIsMonotonicAndBounded()
    {
        var cutAt = A.Length / 3;
        var clientHasCut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/img", context => context.Request.Headers.Range.Count == 0
            ? CutAsync(context, A, cutAt, clientHasCut.Task, r => r.Headers.ETag = "\"v1\"")
            : PartialAsync(context, A, RangeStart(context), r => r.Headers.ETag = "\"v1\"")), TestContext.CancellationToken);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 1));
        var reports = new List<ImageDownloadProgress>();
        var progress = new SynchronousProgress<ImageDownloadProgress>(p =>
        {
            reports.Add(p);
            if (p.BytesReceived >= cutAt)
            {
                clientHasCut.TrySetResult();
            }
        });

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(server.Url("/img")), progress, TestContext.CancellationToken);

        CollectionAssert.AreEqual(A, response.Data.ToArray());
        Assert.IsGreaterThan(0L, response.ResumedBytes);
        for (var i = 1; i < reports.Count; i++)
        {
            Assert.IsGreaterThanOrEqualTo(reports[i - 1].BytesReceived, reports[i].BytesReceived, $"report {i}");
        }

        Assert.IsTrue(reports.All(r => r.BytesExpected == A.Length && r.BytesReceived <= A.Length));
    }

    /// <summary>
    /// The 206 says <c>Content-Range: bytes N-(L-1)/L</c> and <c>Content-Length: L-N</c> but its (chunked) body is longer:
    /// here the whole image from byte 0, as a proxy that ignored the range but kept the upstream's range headers would
    /// send. .NET keeps the Content-Length header next to Transfer-Encoding: chunked; the reader stops at the declared
    /// length and never looks for the end of the body, so it appends the first L-N bytes of the wrong part.
    /// </summary>
    [TestMethod]
    public async Task Resumed_206BodyLongerThanItsContentRange_IsNotSpliced()
    {
        var cutAt = A.Length / 3;
        var clientHasCut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var requests = 0;
        var ranges = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        var stream = client.GetStream();
                        while (true)
                        {
                            var head = await ReadHeadAsync(stream);
                            if (head is null)
                            {
                                return;
                            }

                            var n = Interlocked.Increment(ref requests);
                            var range = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Range:", StringComparison.OrdinalIgnoreCase));
                            ranges.Enqueue(range ?? "(none)");
                            if (n == 1)
                            {
                                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {A.Length}\r\nAccept-Ranges: bytes\r\nETag: \"v1\"\r\n\r\n"));
                                await stream.WriteAsync(A.AsMemory(0, cutAt));
                                await clientHasCut.Task.WaitAsync(DownloadTestOptions.Patience);
                                client.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
                                return;
                            }

                            if (range is not null)
                            {
                                var from = long.Parse(range["Range: bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
                                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 206 Partial Content\r\nContent-Type: image/gif\r\nContent-Range: bytes {from}-{A.Length - 1}/{A.Length}\r\nContent-Length: {A.Length - from}\r\nTransfer-Encoding: chunked\r\nETag: \"v1\"\r\n\r\n{A.Length:x}\r\n"));
                                await stream.WriteAsync(A);
                                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("\r\n0\r\n\r\n"));
                                continue;
                            }

                            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {A.Length}\r\nETag: \"v1\"\r\n\r\n"));
                            await stream.WriteAsync(A);
                        }
                    }
                });
            }
        });
        try
        {
            using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 2));
            var progress = new SynchronousProgress<ImageDownloadProgress>(p =>
            {
                if (p.BytesReceived >= cutAt)
                {
                    clientHasCut.TrySetResult();
                }
            });

            var response = await downloader.DownloadAsync(new ImageDownloadRequest(new Uri($"http://127.0.0.1:{port}/img")), progress, TestContext.CancellationToken);

            Assert.IsTrue(ranges.Skip(1).First().StartsWith("Range: bytes=", StringComparison.Ordinal), string.Join(" | ", ranges));
            Assert.IsTrue(response.Data.Span.SequenceEqual(A), $"the image whole, not {response.ResumedBytes} bytes followed by the first bytes of a body longer than its Content-Range (status {(int)response.StatusCode}, requests: {string.Join(" | ", ranges)})");
        }
        finally
        {
            stop.Cancel();
            listener.Stop();
        }
    }

    private static async Task<string?> ReadHeadAsync(System.Net.Sockets.NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(one);
            }
            catch (IOException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r')
            {
                return System.Text.Encoding.ASCII.GetString([.. bytes]);
            }
        }
    }
}
