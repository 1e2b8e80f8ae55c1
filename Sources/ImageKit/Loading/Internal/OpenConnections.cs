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
    /// Connects as <see cref="SocketsHttpHandler"/> does without a callback (a dual-mode TCP socket, Nagle off, every
    /// address of the name in turn), and remembers the socket until its stream is disposed.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_closed, this);
                _sockets.Add(socket);
            }

            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new TrackedStream(socket, this);
        }
        catch
        {
            Forget(socket);
            socket.Dispose();
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
