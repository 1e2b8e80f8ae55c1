using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// A Kestrel server on 127.0.0.1 serving corpus images at <c>/img/{file}</c> with an ETag (304 on a matching
/// If-None-Match), <c>/missing</c> (404), <c>/html</c> (a web page), and counting the requests each path received.
/// </summary>
internal sealed class CorpusServer : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly ConcurrentDictionary<string, int> _hits = new();

    private CorpusServer(LoopbackServer server) => _server = server;

    public static async Task<CorpusServer> StartAsync(CancellationToken cancellationToken = default)
    {
        CorpusServer? self = null;
        var server = await LoopbackServer.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                self!._hits.AddOrUpdate(context.Request.Path.Value ?? "", 1, static (_, n) => n + 1);
                await next(context);
            });
            app.MapGet("/img/{file}", async (HttpContext context, string file) =>
            {
                var path = Corpus.PathOf(file);
                if (!File.Exists(path))
                {
                    context.Response.StatusCode = 404;
                    return;
                }

                var etag = $"\"{file}-v1\"";
                context.Response.Headers.ETag = etag;
                if (context.Request.Headers.IfNoneMatch == etag)
                {
                    context.Response.StatusCode = 304;
                    return;
                }

                context.Response.ContentType = "application/octet-stream";
                await context.Response.Body.WriteAsync(await File.ReadAllBytesAsync(path));
            });
            // An image that needs "Authorization: Bearer letmein" (401 without it).
            app.MapGet("/private/{file}", async (HttpContext context, string file) =>
            {
                if (context.Request.Headers.Authorization != PrivateAuthorization)
                {
                    context.Response.StatusCode = 401;
                    return;
                }

                context.Response.ContentType = "application/octet-stream";
                await context.Response.Body.WriteAsync(await File.ReadAllBytesAsync(Corpus.PathOf(file)));
            });
            app.MapGet("/missing", (HttpContext context) => context.Response.StatusCode = 404);
            app.MapGet("/html", LoopbackServer.Bytes("<!doctype html><html><body>no image</body></html>"u8.ToArray(), "text/html"));
        }, cancellationToken);
        self = new CorpusServer(server);
        return self;
    }

    /// <summary>The <c>Authorization</c> value <see cref="PrivateImage"/> needs.</summary>
    public const string PrivateAuthorization = "Bearer letmein";

    public Uri Image(string file) => _server.Url($"/img/{file}");

    /// <summary>A corpus file that is served only with <see cref="PrivateAuthorization"/>.</summary>
    public Uri PrivateImage(string file) => _server.Url($"/private/{file}");

    public Uri Url(string path) => _server.Url(path);

    public int Hits(string path) => _hits.TryGetValue(path, out var n) ? n : 0;

    public int ImageHits(string file) => Hits($"/img/{file}");

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
