using System.Collections.Concurrent;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Loading;

/// <summary>
/// A <see cref="LoopbackServer"/> for download tests: counts requests per path, logs their arrival order, and offers
/// gates (requests that wait until the test releases them and report when the client aborts them).
/// </summary>
internal sealed class ImageServer : IAsyncDisposable
{
    public static readonly byte[] Gif = Corpus.Read("TestImage.gif");
    public static readonly byte[] Png = Corpus.Read("TestImage.png");
    public static readonly byte[] BigGif = Corpus.Read("cat.gif");

    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.Ordinal);
    private LoopbackServer _server = null!;

    public IReadOnlyList<string> Log => [.. _log];

    public static Task<ImageServer> StartAsync(Action<WebApplication, ImageServer> map, CancellationToken cancellationToken = default) =>
        StartAsync(map, certificate: null, cancellationToken);

    /// <summary>With a certificate: HTTPS only, HTTP/2 and HTTP/1.1 offered (see <see cref="LoopbackServer"/>).</summary>
    public static async Task<ImageServer> StartAsync(
        Action<WebApplication, ImageServer> map, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        var server = new ImageServer();
        server._server = await LoopbackServer.StartAsync(
            app =>
            {
                app.Use(async (context, next) =>
                {
                    var path = context.Request.Path.Value ?? string.Empty;
                    server._hits.AddOrUpdate(path, 1, (_, n) => n + 1);
                    server._log.Enqueue(path);
                    await next(context);
                });
                app.MapGet("/gate/{name}", server.ServeGateAsync);
                map(app, server);
            },
            certificate,
            cancellationToken);
        return server;
    }

    public Uri Url(string path) => _server.Url(path);

    public int Hits(string path) => _hits.TryGetValue(path, out var n) ? n : 0;

    /// <summary>The gate behind <c>/gate/{name}</c>; created on first use by either side.</summary>
    public Gate GateFor(string name) => _gates.GetOrAdd(name, _ => new Gate());

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    public static async Task WriteAsync(HttpContext context, byte[] body, string contentType = "image/gif")
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private async Task ServeGateAsync(HttpContext context, string name)
    {
        var gate = GateFor(name);
        context.RequestAborted.Register(() => gate.Aborted.TrySetResult());
        gate.Arrived.TrySetResult();
        try
        {
            await gate.Release.Task.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await WriteAsync(context, Gif);
    }

    internal sealed class Gate
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
