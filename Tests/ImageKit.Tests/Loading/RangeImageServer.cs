using System.Collections.Concurrent;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A <see cref="LoopbackServer"/> serving images at <c>/r/{name}</c> with ASP.NET Core's own range handling
/// (<c>Range</c>, <c>If-Range</c>, <c>206</c>, <c>416</c>), and a script per image of how its next responses misbehave:
/// cut off after some bytes, stalled after them, or a range answer that does not continue the body.
/// </summary>
internal sealed class RangeImageServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Resource> _resources = new(StringComparer.Ordinal);
    private LoopbackServer _server = null!;

    /// <summary>Plain HTTP/1.1, or with a certificate HTTPS offering HTTP/2 (see <see cref="LoopbackServer"/>).</summary>
    public static async Task<RangeImageServer> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        var server = new RangeImageServer();
        server._server = await LoopbackServer.StartAsync(app => app.MapGet("/r/{name}", server.ServeAsync), certificate, cancellationToken);
        return server;
    }

    /// <summary>Adds (or replaces) the image <paramref name="name"/>; its URL is <see cref="Url"/>.</summary>
    public Resource Add(string name, byte[] bytes) => _resources[name] = new Resource(bytes);

    public Uri Url(string name) => _server.Url("/r/" + name);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task ServeAsync(HttpContext context, string name)
    {
        var resource = _resources[name];
        try
        {
            await ServeCoreAsync(context, resource);
        }
        finally
        {
            // After its bytes were counted: a client can have the whole answer before the handler returns.
            Interlocked.Increment(ref resource.ResponsesEnded);
        }
    }

    private static async Task ServeCoreAsync(HttpContext context, Resource resource)
    {
        var headers = context.Request.Headers;
        resource.Requests.Enqueue(new SeenRequest(headers.Range.Count == 0 ? null : headers.Range.ToString(), headers.IfRange.Count == 0 ? null : headers.IfRange.ToString()));
        var step = resource.Script.TryDequeue(out var next) ? next : Step.Serve;
        var (bytes, etag, lastModified) = resource.Current;
        switch (step)
        {
            case Step.Serve:
                await Results.Bytes(bytes, "image/gif", lastModified: lastModified, entityTag: etag, enableRangeProcessing: resource.AcceptRanges).ExecuteAsync(context);
                Interlocked.Add(ref resource.BodyBytesSent, context.Response.StatusCode is 200 or 206 ? context.Response.ContentLength ?? 0 : 0);
                break;
            case Step.Cut or Step.Stall:
                context.Response.ContentType = "image/gif";
                context.Response.ContentLength = bytes.Length;
                if (resource.AcceptRanges)
                {
                    context.Response.Headers.AcceptRanges = "bytes";
                }

                if (etag is not null)
                {
                    context.Response.Headers.ETag = etag.ToString();
                }

                if (lastModified is { } modified)
                {
                    context.Response.Headers.LastModified = modified.ToString("r");
                }

                await context.Response.Body.WriteAsync(bytes.AsMemory(0, resource.CutAt));
                await context.Response.Body.FlushAsync();
                Interlocked.Add(ref resource.BodyBytesSent, resource.CutAt);

                // Only once the client has read them: a reset could otherwise discard bytes still in its socket buffer.
                await WhenClosedOr(context, resource.ClientHasCut.Task);
                if (step == Step.Cut)
                {
                    context.Abort();
                }
                else
                {
                    await WhenClosedOr(context, Task.Delay(Timeout.Infinite));
                }

                break;
            case Step.WrongRange:
                context.Response.StatusCode = StatusCodes.Status206PartialContent;
                context.Response.ContentType = "image/gif";
                context.Response.Headers.ContentRange = $"bytes 0-{bytes.Length - 1}/{bytes.Length}";
                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes);
                Interlocked.Add(ref resource.BodyBytesSent, bytes.Length);
                break;
            case Step.Unavailable:
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                break;
            case Step.NotSatisfiable:
                context.Response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                context.Response.Headers.ContentRange = $"bytes */{bytes.Length}";
                break;
        }
    }

    // Waits for the task, or until the client is gone (RequestAborted, or the connection's own close, which Kestrel
    // signals alone when the request had been read before the client left), or a generous bound.
    private static async Task WhenClosedOr(HttpContext context, Task task)
    {
        var closed = context.Features.Get<IConnectionLifetimeFeature>()?.ConnectionClosed ?? CancellationToken.None;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, closed);
        try
        {
            await task.WaitAsync(DownloadTestOptions.Patience, either.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }
    }

    /// <summary>What the next responses of an image do; after the script, <see cref="Serve"/>.</summary>
    internal enum Step
    {
        /// <summary>ASP.NET Core's file result with range processing.</summary>
        Serve,

        /// <summary>A <c>200</c> whose connection is reset after <see cref="Resource.CutAt"/> bytes.</summary>
        Cut,

        /// <summary>A <c>200</c> that sends <see cref="Resource.CutAt"/> bytes and then nothing until the client leaves.</summary>
        Stall,

        /// <summary>A <c>206</c> of the whole body (<c>bytes 0-…</c>), whatever was asked.</summary>
        WrongRange,

        /// <summary>A <c>416</c>.</summary>
        NotSatisfiable,

        /// <summary>A <c>503</c>.</summary>
        Unavailable,
    }

    internal sealed record SeenRequest(string? Range, string? IfRange);

    internal sealed class Resource(byte[] bytes)
    {
        public long BodyBytesSent;

        public int ResponsesEnded;

        public (byte[] Bytes, EntityTagHeaderValue? ETag, DateTimeOffset? LastModified) Current { get; set; } = (bytes, new EntityTagHeaderValue("\"v1\""), null);

        public bool AcceptRanges { get; set; } = true;

        public int CutAt { get; set; } = bytes.Length / 3;

        public ConcurrentQueue<Step> Script { get; } = new();

        public ConcurrentQueue<SeenRequest> Requests { get; } = new();

        /// <summary>Whether every request that arrived has been answered (and its body bytes counted).</summary>
        public bool Settled => Volatile.Read(ref ResponsesEnded) == Requests.Count;

        /// <summary>Set by the test once its client has received <see cref="CutAt"/> bytes.</summary>
        public TaskCompletionSource ClientHasCut { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IProgress<ImageKit.Loading.ImageDownloadProgress> ReportsCut(Action? then = null) => new SynchronousProgress<ImageKit.Loading.ImageDownloadProgress>(p =>
        {
            if (p.BytesReceived >= CutAt && ClientHasCut.TrySetResult())
            {
                then?.Invoke();
            }
        });
    }
}
