using System.Net;
using System.Net.Http.Headers;

namespace ImageKit.Internal;

/// <summary>
/// The HTTP "server" of <see cref="ImageManager.WarmUpAsync"/>: answers a GET of <see cref="UrlOf"/> with that
/// <see cref="WarmUpImages"/> image from memory (status, content type and length, as a server would), anything else with
/// 404. No socket is opened and nothing leaves the process.
/// </summary>
internal sealed class WarmUpHandler : HttpMessageHandler
{
    // A reserved name (RFC 2606): never resolved, as this handler answers before any connection could be made.
    private const string Host = "imagekit-warm-up.invalid";

    public static Uri UrlOf(string name) => new($"http://{Host}/{name}");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Answers later, not at once, as a server does: every await on the way (the downloader's, Polly's, the manager's)
        // then takes its suspend-and-resume path, which is code of its own that a real load needs compiled too.
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var (name, contentType, data) in WarmUpImages.All)
        {
            if (request.Method == HttpMethod.Get && request.RequestUri == UrlOf(name))
            {
                var content = new StreamContent(new LaterReadStream(data));
                content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                content.Headers.ContentLength = data.Length;
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
            }
        }

        return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request };
    }

    /// <summary>A body whose asynchronous reads complete later, like a socket's, so that the body reader's awaits suspend too.</summary>
    private sealed class LaterReadStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return await base.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
