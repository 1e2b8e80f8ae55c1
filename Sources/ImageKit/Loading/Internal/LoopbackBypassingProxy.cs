using System.Net;

namespace ImageKit.Loading.Internal;

/// <summary>
/// The proxy of the handler a downloader creates itself: the application's (<see cref="HttpClient.DefaultProxy"/>, from
/// <c>HTTP_PROXY</c>/<c>HTTPS_PROXY</c>/<c>NO_PROXY</c> on Linux, the system settings on macOS and Windows, or what the app
/// set), except for loopback hosts (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>::1</c>), which are always reached directly,
/// as Go's HTTP client and browsers do. .NET's environment proxy has no such exception: with <c>HTTP_PROXY</c> set, a
/// request for <c>http://127.0.0.1:…</c> went to the proxy, whose loopback is another machine's (<c>imagekit demo</c>,
/// whose server is in its own process, then failed with the proxy's 403).
/// </summary>
internal sealed class LoopbackBypassingProxy(Func<IWebProxy> proxy) : IWebProxy
{
    /// <summary>The one used by every handler ImageKit creates: <see cref="HttpClient.DefaultProxy"/>, read at each request.</summary>
    public static LoopbackBypassingProxy Default { get; } = new(static () => HttpClient.DefaultProxy);

    public ICredentials? Credentials
    {
        get => proxy().Credentials;
        set => proxy().Credentials = value;
    }

    public Uri? GetProxy(Uri destination) => destination.IsLoopback ? null : proxy().GetProxy(destination);

    public bool IsBypassed(Uri host) => host.IsLoopback || proxy().IsBypassed(host);
}
