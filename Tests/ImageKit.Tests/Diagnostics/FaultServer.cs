using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Diagnostics;

/// <summary>
/// A loopback server whose endpoints fail on purpose: <c>/flaky</c> answers 503 once, then a GIF; <c>/down</c> always
/// answers 503; <c>/broken.gif</c> is a GIF signature followed by garbage.
/// </summary>
internal sealed class FaultServer : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private FaultServer(LoopbackServer server) => _server = server;

    public static async Task<FaultServer> StartAsync(CancellationToken cancellationToken)
    {
        var flakyHits = 0;
        var gif = Corpus.Read("TestImage.gif");
        var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/flaky", async (HttpContext context) =>
            {
                if (Interlocked.Increment(ref flakyHits) == 1)
                {
                    context.Response.StatusCode = 503;
                    return;
                }

                await context.Response.Body.WriteAsync(gif);
            });
            app.MapGet("/down", (HttpContext context) => context.Response.StatusCode = 503);
            app.MapGet("/broken.gif", LoopbackServer.Bytes([.. "GIF89a"u8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "image/gif"));
        }, cancellationToken);
        return new FaultServer(server);
    }

    public Uri Url(string path) => _server.Url(path);

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
