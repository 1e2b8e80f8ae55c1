using System.Net;
using System.Net.Http.Headers;

namespace ImageKit.Loading.Internal;

/// <summary>
/// The HTTP stack a downloader builds for itself, directly or through the dependency-injection registration: one place
/// for the handler's settings and the client's defaults.
/// </summary>
internal static class DownloaderHttp
{
    /// <summary>
    /// The handlers ImageKit sends through: <see cref="RedirectHandler"/> over a <see cref="SocketsHttpHandler"/> whose
    /// sockets it knows (<see cref="OpenConnections"/>), so that disposing the chain closes every connection, in use or not.
    /// </summary>
    public static RedirectHandler CreateHandler(int maxRedirects, bool automaticDecompression, bool allowInvalidCertificates)
    {
        var connections = new OpenConnections();
        return new RedirectHandler(maxRedirects, connections)
        {
            InnerHandler = CreateSocketsHandler(automaticDecompression, allowInvalidCertificates, connections),
        };
    }

    /// <summary>
    /// The handler under <see cref="RedirectHandler"/>, which follows redirects itself (checking each hop and keeping
    /// credentials on their origin), connecting through <paramref name="connections"/>.
    /// </summary>
    private static SocketsHttpHandler CreateSocketsHandler(bool automaticDecompression, bool allowInvalidCertificates, OpenConnections connections)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = automaticDecompression ? DecompressionMethods.All : DecompressionMethods.None,

            // The downloader keeps its client for its lifetime: recycling connections picks up DNS changes.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),

            // A rejected or over-limit body is abandoned; draining more than a small error page to reuse the connection
            // would download what the limit is meant to refuse.
            MaxResponseDrainSize = 64 * 1024,

            // HTTP/2 downloads share a connection; past the server's stream limit (often 100), more are opened
            // instead of queueing behind it.
            EnableMultipleHttp2Connections = true,

            // Its sockets are known, so that disposing the chain closes the ones still in use too.
            ConnectCallback = connections.ConnectAsync,

            // The application's proxy, but never for a loopback host.
            Proxy = LoopbackBypassingProxy.Default,
        };
        if (allowInvalidCertificates)
        {
#pragma warning disable CA5359 // Accepting any certificate is the documented purpose of this opt-in option.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        return handler;
    }

    /// <summary>
    /// The client defaults: no overall timeout, ImageKit's User-Agent, and HTTP versions up to <paramref name="maxVersion"/>
    /// (<see cref="ImageDownloaderOptions.MaxHttpVersion"/>), whichever the server offers.
    /// </summary>
    public static void ConfigureClient(HttpClient client, Version maxVersion)
    {
        // Timeouts are per attempt (AttemptTimeout); the client's own 100 s total would cut across retries.
        client.Timeout = Timeout.InfiniteTimeSpan;

        // Some image hosts (Wikimedia among them) refuse requests without a User-Agent.
        var version = typeof(ImageDownloader).Assembly.GetName().Version?.ToString(3) ?? "0";
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("ImageKit", version));

        // With 2.0: over TLS, ALPN picks HTTP/2 when the server offers it (as URLSession does for Apple's image loaders):
        // one connection and one handshake per host, compressed headers. Plain http:// and servers without it get HTTP/1.1.
        client.DefaultRequestVersion = maxVersion;
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
    }
}
