namespace ImageKit.DependencyInjection.Internal;

/// <summary>
/// The HTTP handlers ImageKit built for its <see cref="IHttpClientFactory"/> client, disposed with the container: the
/// factory does not dispose the handlers it holds when it is disposed, so their connections would stay open until the
/// pool's idle timeout, and their sockets with them.
/// </summary>
/// <remarks>
/// Held weakly: a handler the factory has retired and nobody uses any more is left to the factory (which disposes it) and
/// to the collector. Thread-safe.
/// </remarks>
internal sealed class OwnedHandlers : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<WeakReference<HttpMessageHandler>> _handlers = [];
    private bool _disposed;

    /// <summary>Takes <paramref name="handler"/> in, to be disposed with the container, and returns it.</summary>
    public HttpMessageHandler Add(HttpMessageHandler handler)
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _handlers.RemoveAll(static h => !h.TryGetTarget(out _));
                _handlers.Add(new WeakReference<HttpMessageHandler>(handler));
                return handler;
            }
        }

        // A client made while the container is being disposed: nothing would dispose its handler later.
        handler.Dispose();
        throw new ObjectDisposedException(nameof(IServiceProvider));
    }

    /// <summary>Disposes every handler still alive. Idempotent (disposing a handler twice is harmless).</summary>
    public void Dispose()
    {
        List<WeakReference<HttpMessageHandler>> handlers;
        lock (_lock)
        {
            _disposed = true;
            handlers = [.. _handlers];
            _handlers.Clear();
        }

        foreach (var reference in handlers)
        {
            if (reference.TryGetTarget(out var handler))
            {
                handler.Dispose();
            }
        }
    }
}
