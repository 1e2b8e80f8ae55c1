using ImageKit.Internal;
using System.Net;

namespace ImageKit.Loading.Internal;

/// <summary>
/// Follows redirects for the clients ImageKit configures, directly above their <see cref="SocketsHttpHandler"/> (whose own
/// redirect following is off). Below the application's handlers, <see cref="HttpClient.DefaultRequestHeaders"/> and
/// <see cref="ImageDownloaderOptions.RequestModifier"/>, which all run once per attempt, and with a check of every hop: only
/// http and https, never from https down to plain http, and no <c>Authorization</c>, <c>Proxy-Authorization</c> or
/// <c>Cookie</c> header to any origin but the request's own, whoever set it. Written here rather than left to
/// <see cref="SocketsHttpHandler"/>, which follows a redirect to <c>ftp://</c> (connecting to port 21) and fails on one to
/// <c>file://</c> with a bare <see cref="UriFormatException"/>.
/// </summary>
/// <param name="maxRedirects">How many redirects are followed; with 0 a redirect response is returned as it is.</param>
/// <param name="connections">The sockets of the handler below, closed when this handler is disposed (see <see cref="OpenConnections"/>).</param>
internal sealed class RedirectHandler(int maxRedirects, OpenConnections? connections = null) : DelegatingHandler
{
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            connections?.CloseAll();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var original = request.RequestUri!;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (maxRedirects == 0)
        {
            return response;
        }

        for (var redirects = 0; ; redirects++)
        {
            Uri? next;
            try
            {
                next = NextHop(original, request.RequestUri!, response);
                if (next is not null && redirects == maxRedirects)
                {
                    throw new ImageDownloadException(original, ImageDownloadFailure.TooManyRedirects, $"too many redirects: more than MaxRedirects ({maxRedirects}) followed; the last response (HTTP {(int)response.StatusCode}) pointed to {ServerText.Clip(UrlText.Redact(next))}", response.StatusCode);
                }
            }
            catch
            {
                response.Dispose();
                throw;
            }

            if (next is null)
            {
                return response;
            }

            // Disposing an unread redirect body lets the connection drain it (at most MaxResponseDrainSize) and be reused.
            response.Dispose();
            if (!SameOrigin(original, next))
            {
                request.Headers.Authorization = null;
                request.Headers.ProxyAuthorization = null;
                request.Headers.Remove("Cookie");

                // A load's own headers (ImageLoadOptions.Headers: a token for this one image) are for its own origin.
                if (request.Options.TryGetValue(ImageHttpTransfer.PerLoadHeaderNames, out var perLoad))
                {
                    foreach (var name in perLoad)
                    {
                        request.Headers.Remove(name);
                    }
                }
            }

            request.RequestUri = next;
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Where a redirect response sends the request next, or <see langword="null"/> when it is not a redirect to follow.</summary>
    private static Uri? NextHop(Uri original, Uri url, HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
                or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect or HttpStatusCode.MultipleChoices)
            || response.Headers.Location is not { } location)
        {
            return null;
        }

        var code = (int)response.StatusCode;
        if (!Uri.TryCreate(url, location, out var next))
        {
            throw new ImageDownloadException(original, ImageDownloadFailure.TooManyRedirects, $"HTTP {code} redirect to '{ServerText.Clip(UrlText.RedactText(location.ToString()))}' was refused: not a valid URL", response.StatusCode);
        }

        if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
        {
            throw new ImageDownloadException(original, ImageDownloadFailure.TooManyRedirects, $"HTTP {code} redirect to {ServerText.Clip(UrlText.Redact(next))} was refused: only http and https URLs are followed", response.StatusCode);
        }

        if (url.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp)
        {
            throw new ImageDownloadException(original, ImageDownloadFailure.TooManyRedirects, $"HTTP {code} redirect to {ServerText.Clip(UrlText.Redact(next))} was refused: it leaves https for plain http", response.StatusCode);
        }

        return next;
    }

    // Scheme, host and port. The host as the request goes to it (IdnHost): a Unicode host and its punycode spelling
    // (bücher.example, xn--bcher-kva.example) are one; Host keeps the spelling of the URL, so they counted as two and a
    // redirect between them dropped the credentials. Anything else that differs (a letter, a trailing dot) is another host.
    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;
}
