using System.Collections.Concurrent;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A loopback server with good and bad answers for <see cref="ImageManagerRandomOperationsTests"/>: images whole and
/// dripped, bodies cut short by a reset, answers that stall until the client gives up, bodies continued with ranges
/// after a reset or a stall, 500, 404, a web page; plus
/// <c>file://</c> and <c>data:</c> URLs and a scheme nobody loads. It counts the requests in flight, so a test can tell that none was left
/// behind, and knows which URLs may end up in a disk cache and with which bytes.
/// </summary>
internal sealed class PipelineWorld : IAsyncDisposable
{
    private static readonly string[] s_images = ["TestImage.gif", "TestImage.png", "TestImageAnimated.webp", "animated-red-blue.apng", "TestImage.jpg"];

    private readonly LoopbackServer _server;
    private readonly Dictionary<Uri, byte[]> _cacheable = [];
    private readonly HashSet<Uri> _healthyUncached;
    private readonly HashSet<Uri> _flaky = [];
    private readonly RequestCounter _requests;

    private PipelineWorld(LoopbackServer server, RequestCounter requests)
    {
        _server = server;
        _requests = requests;
        var urls = new List<Uri>();
        foreach (var file in s_images)
        {
            var bytes = Corpus.Read(file);
            foreach (var path in new[] { $"/img/{file}", $"/drip/{file}" })
            {
                _cacheable[server.Url(path)] = bytes;
                urls.Add(server.Url(path));
            }

            urls.Add(server.Url($"/cut/{file}"));
            urls.Add(server.Url($"/stall/{file}"));

            // Cut off or stalled now and then, continued with ranges: may fail, but only ever with these bytes.
            _cacheable[server.Url($"/resume/{file}")] = bytes;
            _flaky.Add(server.Url($"/resume/{file}"));
            urls.Add(server.Url($"/resume/{file}"));
        }

        urls.AddRange([server.Url("/500"), server.Url("/missing"), server.Url("/html")]);
        var fileImage = new Uri(Corpus.PathOf("TestImage.gif"));
        urls.AddRange([fileImage, new Uri(Corpus.PathOf("no-such-file.gif")), new Uri("gopher://127.0.0.1/x.gif")]);

        // An image carried by its URL (loaded, never stored on disk) and one whose data is not base64.
        var dataImage = new Uri("data:image/gif;base64," + Convert.ToBase64String(Corpus.Read("TestImage.gif")));
        urls.AddRange([dataImage, new Uri("data:image/gif;base64,R0lGOD!!")]);
        _healthyUncached = [fileImage, dataImage];
        Urls = urls;
    }

    /// <summary>Every URL the operations pick from.</summary>
    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>Stalled requests whose end only the connection's ConnectionClosed told (Kestrel's RequestAborted had not fired a second later).</summary>
    public int EndedByConnectionClosed => Volatile.Read(ref _requests.EndedByConnectionClosed);

    /// <summary>Requests that asked for the rest of a cut-off body.</summary>
    public int RangeRequests => Volatile.Read(ref _requests.RangeRequests);

    /// <summary>Requests the server has begun and not yet ended.</summary>
    public int RequestsInFlight => Volatile.Read(ref _requests.InFlight);

    /// <summary>The requests still running at the server, with when each began, for a failure's message.</summary>
    public string DescribeRequestsInFlight() =>
        string.Join(", ", _requests.Running.Values.Select(r => $"{r.Path} (began {(DateTime.UtcNow - r.Began).TotalSeconds:F1} s ago)"));

    public static async Task<PipelineWorld> StartAsync(CancellationToken cancellationToken)
    {
        var requests = new RequestCounter();
        var server = await LoopbackServer.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                Interlocked.Increment(ref requests.InFlight);
                var request = (Path: context.Request.Path.Value ?? "", Began: DateTime.UtcNow);
                requests.Running.TryAdd(context, request);
                try
                {
                    await next(context);
                }
                finally
                {
                    requests.Running.TryRemove(context, out _);
                    Interlocked.Decrement(ref requests.InFlight);
                }
            });
            app.MapGet("/img/{file}", (HttpContext context, string file) => WriteAsync(context, Corpus.Read(file), chunks: 1));
            app.MapGet("/drip/{file}", (HttpContext context, string file) => WriteAsync(context, Corpus.Read(file), chunks: 4));
            app.MapGet("/cut/{file}", async (HttpContext context, string file) =>
            {
                var bytes = Corpus.Read(file);
                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                context.Abort();
            });
            app.MapGet("/stall/{file}", async (HttpContext context, string file) =>
            {
                var bytes = Corpus.Read(file);
                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, 16), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                // Until the client gives up. RequestAborted alone may never say so: Kestrel runs a request it had read from
                // the socket before the client closed the connection (written on a kept-alive connection, then cancelled at
                // once, while the previous answer was still finishing) with a RequestAborted that never fires, though the
                // connection's own ConnectionClosed has.
                var connectionClosed = context.Features.Get<IConnectionLifetimeFeature>()?.ConnectionClosed ?? CancellationToken.None;
                using var clientGone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, connectionClosed);
                await Task.Delay(Timeout.Infinite, clientGone.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    // Counted only if RequestAborted still has not fired a second later: not a mere ordering of the two.
                    await Task.Delay(1000, context.RequestAborted).ContinueWith(static _ => { }, TaskScheduler.Default);
                    if (!context.RequestAborted.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref requests.EndedByConnectionClosed);
                    }
                }
            });
            app.MapGet("/resume/{file}", (HttpContext context, string file) => ServeResumableAsync(context, file, requests));
            app.MapGet("/500", (HttpContext context) => context.Response.StatusCode = 500);
            app.MapGet("/missing", (HttpContext context) => context.Response.StatusCode = 404);
            app.MapGet("/html", LoopbackServer.Bytes("<!doctype html><p>no image</p>"u8.ToArray(), "text/html"));
        }, cancellationToken);
        return new PipelineWorld(server, requests);
    }

    /// <summary>
    /// A downloader for this world: a stalled answer fails after two 1 s attempts, and no circuit opens, so that the bad
    /// answers neither hold a test up nor stop the good ones.
    /// </summary>
    public static ImageDownloaderOptions DownloaderOptions() => new()
    {
        AttemptTimeout = TimeSpan.FromSeconds(1),
        Retry = new ImageDownloadRetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) },
        CircuitBreaker = new ImageDownloadCircuitBreakerOptions { Enabled = false },
    };

    /// <summary>Whether <paramref name="url"/> loads when nothing cancels it: a server image, the file, or the data: image.</summary>
    public bool IsHealthy(Uri url) => (_cacheable.ContainsKey(url) && !_flaky.Contains(url)) || _healthyUncached.Contains(url);

    /// <summary>Whether <paramref name="url"/> may load or fail (a body cut off twice in a row): only its bytes are known.</summary>
    public bool IsFlaky(Uri url) => _flaky.Contains(url);

    /// <summary>The bytes a disk cache may hold for <paramref name="url"/> (its default key); null: it may hold nothing.</summary>
    public byte[]? CacheableBytes(Uri url) => _cacheable.GetValueOrDefault(url);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    // A request for a range is served by ASP.NET Core's own range handling; of the others, a third are whole, a third are
    // reset after half the body, and a third send half and stall until the client gives up (its attempt timeout).
    private static async Task ServeResumableAsync(HttpContext context, string file, RequestCounter requests)
    {
        var bytes = Corpus.Read(file);
        var etag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{file.GetHashCode(StringComparison.Ordinal):x}\"");
        var ranged = context.Request.Headers.Range.Count > 0;
        if (ranged)
        {
            Interlocked.Increment(ref requests.RangeRequests);
        }

        var turn = ranged ? 0 : Interlocked.Increment(ref requests.ResumableTurns) % 3;
        if (turn == 0)
        {
            await Results.Bytes(bytes, "application/octet-stream", entityTag: etag, enableRangeProcessing: true).ExecuteAsync(context);
            return;
        }

        context.Response.ContentLength = bytes.Length;
        context.Response.Headers.AcceptRanges = "bytes";
        context.Response.Headers.ETag = etag.ToString();
        await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        var connectionClosed = context.Features.Get<IConnectionLifetimeFeature>()?.ConnectionClosed ?? CancellationToken.None;
        using var clientGone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, connectionClosed);
        await Task.Delay(turn == 1 ? 20 : Timeout.Infinite, clientGone.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
        context.Abort();
    }

    private static async Task WriteAsync(HttpContext context, byte[] body, int chunks)
    {
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = body.Length;
        var size = (body.Length + chunks - 1) / chunks;
        for (var offset = 0; offset < body.Length; offset += size)
        {
            await context.Response.Body.WriteAsync(body.AsMemory(offset, Math.Min(size, body.Length - offset)), context.RequestAborted);
            if (chunks > 1)
            {
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(3, context.RequestAborted);
            }
        }
    }

    // Shared by the server's middleware, which is built before the world.
    private sealed class RequestCounter
    {
        public int InFlight;

        // Stalled requests that ended because their connection closed while their RequestAborted did not fire (a second later).
        public int EndedByConnectionClosed;

        // Which of the three answers the next whole-body request to /resume/ gets.
        public int ResumableTurns;

        // Requests to /resume/ that asked for a range (the rest of a cut-off body).
        public int RangeRequests;

        public System.Collections.Concurrent.ConcurrentDictionary<HttpContext, (string Path, DateTime Began)> Running { get; } = new();
    }
}
