using System.Net;
using System.Net.Sockets;

namespace ImageKit.Loading.Internal;

/// <summary>
/// The sockets of the handler ImageKit builds (its <see cref="SocketsHttpHandler.ConnectCallback"/>), so that disposing
/// the handler closes every one of them. <see cref="SocketsHttpHandler"/>'s own Dispose closes only the connections idle in
/// its pool: one still in use (a response not yet disposed, or one draining an abandoned body for up to 2 s) stays open,
/// with its request at the server, after the downloader was disposed. Written here because no handler setting closes
/// connections in use. Thread-safe.
/// </summary>
internal sealed class OpenConnections
{
    private readonly Lock _lock = new();
    private readonly HashSet<Socket> _sockets = [];
    private bool _closed;

    /// <summary>
    /// Resolves a host name to its addresses: <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>, or a
    /// stand-in in tests (a name with an address that never answers).
    /// </summary>
    public Func<string, CancellationToken, Task<IPAddress[]>> Resolve { get; init; } = static (host, token) => Dns.GetHostAddressesAsync(host, token);

    /// <summary>
    /// Connects to the host (a TCP socket with Nagle off) and remembers the socket until its stream is disposed. A name
    /// with several addresses is connected to as RFC 8305 asks (<see cref="HappyEyeballs"/>), where
    /// <see cref="SocketsHttpHandler"/> alone waits for each address to fail before it tries the next.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host.AsSpan().Trim("[]"), out var literal)
            ? [literal]
            : await Resolve(endpoint.Host, cancellationToken).ConfigureAwait(false);
        var socket = await HappyEyeballs.ConnectAsync(addresses, endpoint.Port, Open, Discard, HappyEyeballs.AttemptDelay, cancellationToken).ConfigureAwait(false);
        try
        {
            return new TrackedStream(socket, this);
        }
        catch
        {
            Discard(socket);
            throw;
        }
    }

    /// <summary>Closes every socket still open and any connected later. Idempotent.</summary>
    public void CloseAll()
    {
        Socket[] open;
        lock (_lock)
        {
            _closed = true;
            open = [.. _sockets];
            _sockets.Clear();
        }

        foreach (var socket in open)
        {
            socket.Dispose();
        }
    }

    private Socket Open(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        lock (_lock)
        {
            if (!_closed)
            {
                _sockets.Add(socket);
                return socket;
            }
        }

        socket.Dispose();
        throw new ObjectDisposedException(nameof(OpenConnections));
    }

    private void Discard(Socket socket)
    {
        Forget(socket);
        socket.Dispose();
    }

    private void Forget(Socket socket)
    {
        lock (_lock)
        {
            _sockets.Remove(socket);
        }
    }

    /// <summary>The connection's stream: disposing it closes its socket and forgets it.</summary>
    private sealed class TrackedStream(Socket socket, OpenConnections owner) : NetworkStream(socket, ownsSocket: true)
    {
        protected override void Dispose(bool disposing)
        {
            owner.Forget(Socket);
            base.Dispose(disposing);
        }
    }
}
