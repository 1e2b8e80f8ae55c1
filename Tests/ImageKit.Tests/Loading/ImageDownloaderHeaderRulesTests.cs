using System.Collections.Concurrent;
using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Loading.Internal;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Extra request headers are checked before a download is shared or queued: one HttpClient would refuse fails its own
/// load at once (never retried, never counted against the host), the downloader's own (resume, revalidation, the
/// connection) cannot be set, the caller's dictionary is copied, and a load's headers stay with its origin on redirect.
/// </summary>
[TestClass]
public sealed class ImageDownloaderHeaderRulesTests
{
    private static readonly ConcurrentQueue<string> s_seen = new();
    private static readonly ConcurrentDictionary<string, int> s_flaky = new();
    private static ImageServer s_server = null!;
    private static ImageServer s_other = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        s_other = await ImageServer.StartAsync((app, _) => app.MapGet("/image.gif", Record), context.CancellationToken);
        s_server = await ImageServer.StartAsync(
            (app, server) =>
            {
                app.MapGet("/echo/{name}", Record);
                app.MapGet("/gated-echo/{name}", async (HttpContext c, string name) =>
                {
                    var gate = server.GateFor(name);
                    gate.Arrived.TrySetResult();
                    await gate.Release.Task.WaitAsync(c.RequestAborted);
                    await Record(c);
                });
                app.MapGet("/flaky/{name}", async (HttpContext c, string name) =>
                {
                    s_seen.Enqueue(Describe(c));
                    if (s_flaky.AddOrUpdate(name, 1, (_, n) => n + 1) == 1)
                    {
                        c.Response.StatusCode = 503;
                        return;
                    }

                    await ImageServer.WriteAsync(c, ImageServer.Gif);
                });
                app.MapGet("/partial/{name}", async (HttpContext c) =>
                {
                    // A server that answers a request for the whole image with part of it.
                    c.Response.StatusCode = 206;
                    c.Response.Headers.ContentRange = $"bytes 0-99/{ImageServer.BigGif.Length}";
                    c.Response.ContentType = "image/gif";
                    await c.Response.Body.WriteAsync(ImageServer.BigGif.AsMemory(0, 100));
                });
                app.MapGet("/to-other-origin", (HttpContext c) => c.Response.Redirect(s_other.Url("/image.gif").ToString()));
            },
            context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        await s_server.DisposeAsync();
        await s_other.DisposeAsync();
    }

    [TestMethod]
    [DataRow("X-Name", "Zoë")]
    [DataRow("X-A", "a\u0001b")]
    [DataRow("X-A", "a\nX-B: b")]
    [DataRow("X A", "x")]
    [DataRow("", "x")]
    [DataRow("Host", "example.invalid")]
    [DataRow("Transfer-Encoding", "chunked")]
    [DataRow("Connection", "close")]
    [DataRow("Expect", "100-continue")]
    [DataRow("Range", "bytes=0-9")]
    [DataRow("If-None-Match", "\"v1\"")]
    [DataRow("if-modified-since", "Tue, 01 Dec 2026 00:00:00 GMT")]
    [DataRow("Content-Type", "image/png")]
    public async Task DownloadAsync_HeaderThatMayNotBeSent_FailsAsInvalidRequestUnsentAndUnretried(string name, string value)
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 3));
        var path = "/echo/refused-" + Uri.EscapeDataString(name.Trim() is { Length: > 0 } n ? n : "empty");

        var e = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)) { Headers = new Dictionary<string, string> { [name] = value } }, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, e.Failure, e.Message);
        Assert.AreEqual(0, s_server.Hits(path), "nothing was sent");
        Assert.AreEqual(0, e.Attempts, "not sent, so not retried as a network error");
        Assert.DoesNotContain(value.Length > 3 ? value : "\u0000", e.Message, "the message names the header, not its value");
    }

    [TestMethod]
    [DataRow("\"zo\u00eb\"", "non-ascii")]
    [DataRow("\"a\u0000\"", "nul")]
    [DataRow("\"a\"\r\nX-B: b", "line-break")]
    public async Task DownloadAsync_IfNoneMatchThatMayNotBeSent_FailsAsInvalidRequestUnsentAndUnretried(string etag, string name)
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 3));
        var path = "/echo/refused-etag-" + name;

        var e = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url(path)) { IfNoneMatch = etag }, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, e.Failure, e.Message);
        StringAssert.Contains(e.Message, "IfNoneMatch");
        Assert.AreEqual(0, s_server.Hits(path), "nothing was sent (a NUL reached the server, a line break cut the value short)");
        Assert.AreEqual(0, e.Attempts, "not sent, so not retried as a network error (a non-ASCII letter was, four times)");
    }

    [TestMethod]
    public async Task DownloadAsync_RefusedHeaders_DoNotOpenTheHostsCircuitForOtherLoads()
    {
        var options = DownloadTestOptions.Fast(maxRetries: 3);
        options.CircuitBreaker = new ImageDownloadCircuitBreakerOptions();
        using var downloader = new ImageDownloader(options);
        var url = s_server.Url("/echo/circuit");

        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(url) { Headers = new Dictionary<string, string> { ["X-User"] = "Zoë" } }, cancellationToken: TestContext.CancellationToken));
        }

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(200, (int)response.StatusCode);
    }

    [TestMethod]
    public async Task DownloadAsync_NameGivenTwiceInDifferentCase_FailsAsInvalidRequest()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var headers = new Dictionary<string, string> { ["cookie"] = "session=alice", ["Cookie"] = "session=bob" };

        var e = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/echo/twice")) { Headers = headers }, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, e.Failure);
        StringAssert.Contains(e.Message, "given twice");
    }

    [TestMethod]
    public void CanonicalHeaders_NoTwoHeaderSetsShareOne()
    {
        string? Of(Dictionary<string, string> headers) => DownloadKey.CanonicalHeaders(headers);

        Assert.AreNotEqual(Of(new() { ["X-A"] = "1", ["X-B"] = "2" }), Of(new() { ["X-A"] = "1\nX-B:2" }));
        Assert.AreNotEqual(Of(new() { ["X-A"] = "1:2" }), Of(new() { ["X-A:1"] = "2" }));
        Assert.AreEqual(Of(new() { ["x-a"] = "1", ["X-B"] = "2" }), Of(new() { ["X-B"] = "2", ["X-A"] = "1" }), "names without case, in any order");
        Assert.AreNotEqual(Of(new() { ["X-A"] = "v" }), Of(new() { ["X-A"] = "V" }), "values with case");
    }

    [TestMethod]
    public async Task DownloadAsync_InvalidHeadersWhileAValidDownloadRuns_FailAndDoNotJoinIt()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var gate = s_server.GateFor("join-valid");
        var url = s_server.Url("/gated-echo/join-valid");

        var valid = downloader.DownloadAsync(new ImageDownloadRequest(url) { Headers = new Dictionary<string, string> { ["X-A"] = "1", ["X-B"] = "2" } }, cancellationToken: TestContext.CancellationToken);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var invalid = downloader.DownloadAsync(new ImageDownloadRequest(url) { Headers = new Dictionary<string, string> { ["X-A"] = "1\nX-B:2" } }, cancellationToken: TestContext.CancellationToken);
        gate.Release.TrySetResult();

        Assert.AreEqual(200, (int)(await valid).StatusCode);
        var e = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => invalid);
        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, e.Failure);
    }

    [TestMethod]
    public async Task DownloadAsync_CallerChangesItsDictionaryDuringTheDownload_EveryAttemptSendsTheHeadersAsGiven()
    {
        var headers = new Dictionary<string, string> { ["X-A"] = "alice" };
        var attempts = 0;
        var options = DownloadTestOptions.Fast(maxRetries: 1);
        options.RequestModifier = (_, _) =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                headers["X-A"] = "bob"; // the app reuses its dictionary while attempt 1 is under way
            }

            return ValueTask.CompletedTask;
        };
        using var downloader = new ImageDownloader(options);
        s_seen.Clear();

        await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/flaky/mutated")) { Headers = headers }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(2, s_seen.Count);
        Assert.IsTrue(s_seen.All(s => s.Contains("X-A=alice", StringComparison.Ordinal)), string.Join(" / ", s_seen));
    }

    [TestMethod]
    public async Task DownloadAsync_PerLoadHeaders_AreNotSentToAnotherOriginOnRedirect()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        s_seen.Clear();

        var response = await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/to-other-origin")) { Headers = new Dictionary<string, string> { ["X-Api-Key"] = "secret-of-origin" } }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(200, (int)response.StatusCode);
        var seen = s_seen.Single();
        StringAssert.Contains(seen, $"port={s_other.Url("/").Port}");
        Assert.DoesNotContain("secret-of-origin", seen);
    }

    [TestMethod]
    public async Task DownloadAsync_AcceptGiven_ReplacesTheDefaultEvenWhenEmpty()
    {
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        s_seen.Clear();

        await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/echo/accept-gif")) { Headers = new Dictionary<string, string> { ["Accept"] = "image/gif" } }, cancellationToken: TestContext.CancellationToken);
        await downloader.DownloadAsync(new ImageDownloadRequest(s_server.Url("/echo/accept-empty")) { Headers = new Dictionary<string, string> { ["Accept"] = "" } }, cancellationToken: TestContext.CancellationToken);

        var seen = s_seen.ToArray();
        StringAssert.Contains(seen[0], "|Accept=image/gif|");
        StringAssert.Contains(seen[1], "|Accept=|");
    }

    [TestMethod]
    public async Task DownloadAsync_PartialContentToARequestForTheWholeImage_FailsAndIsNotCached()
    {
        await using var manager = new ImageManager(new ImageCacheOptions(), DownloadTestOptions.Fast(maxRetries: 0));
        var url = s_server.Url("/partial/whole.gif");

        var e = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.HttpStatus, e.Failure);
        StringAssert.Contains(e.Message, "206");
        Assert.AreEqual(ImageCacheType.None, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken));
    }

    private static Task Record(HttpContext context)
    {
        s_seen.Enqueue(Describe(context));
        return ImageServer.WriteAsync(context, ImageServer.Gif);
    }

    private static string Describe(HttpContext context)
    {
        var h = context.Request.Headers;
        return $"{context.Request.Path}|port={context.Request.Host.Port}|X-A={h["X-A"]}|X-Api-Key={h["X-Api-Key"]}|Accept={h.Accept}|";
    }
}
