namespace ImageKit.Loading.Internal;

/// <summary>
/// Shares one <see cref="SharedDownload"/> between concurrent requests with the same <see cref="DownloadKey"/>. A waiter
/// that cancels leaves alone; when the last one leaves, the download is cancelled and forgotten so that a later request
/// starts afresh instead of joining a dying one. That later request still gets what the dying one received: it is handed
/// the dying download as its <see cref="SharedDownload.Predecessor"/> and resumes from its bytes once it has unwound.
/// </summary>
/// <remarks>One lock guards the maps and every waiter list; nothing slow or user-supplied runs under it.</remarks>
internal sealed class RequestCoalescer
{
    private readonly Lock _lock = new();
    private readonly Dictionary<DownloadKey, SharedDownload> _inFlight = [];

    // Abandoned downloads (every waiter left) that have not finished unwinding yet, until a new download of the same key
    // takes them as its predecessor or they finish.
    private readonly Dictionary<DownloadKey, SharedDownload> _unwinding = [];

    /// <summary>How many shared downloads are tracked (diagnostics and tests).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>Attaches <paramref name="waiter"/> to the download for <paramref name="key"/>, creating it when there is none.</summary>
    /// <returns>The download and whether the caller created it (and so must start it).</returns>
    public (SharedDownload Download, bool Created) Join(DownloadKey key, ImageDownloadRequest request, DownloadWaiter waiter, CancellationToken lifetime)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(key, out var existing) && existing.TryAdd(waiter))
            {
                return (existing, false);
            }

            var created = new SharedDownload(key, request, lifetime);
            if (_unwinding.Remove(key, out var previous))
            {
                created.Predecessor = previous;
            }

            created.TryAdd(waiter);
            _inFlight[key] = created;
            return (created, true);
        }
    }

    /// <summary>Detaches a waiter that stopped waiting; cancels the download when it was the last.</summary>
    public void Leave(SharedDownload download, DownloadWaiter waiter)
    {
        bool last;
        lock (_lock)
        {
            last = download.Remove(waiter);
            if (last)
            {
                Forget(download);
                _unwinding[download.Key] = download;
            }
        }

        if (last)
        {
            // Outside the lock: cancellation callbacks abort sockets and remove queue items.
            try
            {
                download.Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It completed and was cleaned up in between: nothing left to cancel.
                return;
            }

            // A download cancelled while still queued never runs, so nothing else would release it.
            if (download.QueueItem is { IsCancelled: true })
            {
                Complete(download);
                download.Dispose();
            }
        }
    }

    /// <summary>
    /// Removes a finished download so that later requests start a new one, and lets a successor waiting for it go on;
    /// call once whatever it can resume from is kept.
    /// </summary>
    public void Complete(SharedDownload download)
    {
        lock (_lock)
        {
            Forget(download);
            if (_unwinding.TryGetValue(download.Key, out var unwinding) && ReferenceEquals(unwinding, download))
            {
                _unwinding.Remove(download.Key);
            }
        }

        download.MarkUnwound();
    }

    private void Forget(SharedDownload download)
    {
        if (_inFlight.TryGetValue(download.Key, out var current) && ReferenceEquals(current, download))
        {
            _inFlight.Remove(download.Key);
        }
    }
}
