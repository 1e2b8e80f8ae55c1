namespace ImageKit.Loading.Internal;

/// <summary>
/// Cut-off response bodies kept so that the next download of the same request asks only for the rest, in the spirit of
/// Nuke's resumable data: an image scrolled away from mid-download and back, a load cancelled and retried. Bounded by
/// the bytes held (whole arrays); the least recently kept body goes first.
/// </summary>
/// <remarks>
/// Hand-written rather than a <c>MemoryCache</c>: taking an entry must remove it atomically (one download owns a buffer
/// it writes into), and there are a few entries at most.
/// </remarks>
/// <param name="maxBytes">The most bytes held; 0 keeps nothing.</param>
internal sealed class ResumableBodies(long maxBytes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<DownloadKey, LinkedListNode<(DownloadKey Key, PartialBody Body)>> _entries = [];
    private readonly LinkedList<(DownloadKey Key, PartialBody Body)> _order = new();
    private long _bytes;
    private bool _closed;

    /// <summary>The bytes held now; for tests.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Keeps <paramref name="body"/> for <paramref name="key"/>, replacing an older one and making room.</summary>
    public void Keep(DownloadKey key, PartialBody body)
    {
        if (body.Cost > maxBytes)
        {
            return;
        }

        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            RemoveLocked(key);
            while (_bytes + body.Cost > maxBytes && _order.First is { } oldest)
            {
                RemoveLocked(oldest.Value.Key);
            }

            _entries[key] = _order.AddLast((key, body));
            _bytes += body.Cost;
        }
    }

    /// <summary>Removes and returns the body kept for <paramref name="key"/>, if any: the caller owns it now.</summary>
    public PartialBody? Take(DownloadKey key)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var node))
            {
                return null;
            }

            RemoveLocked(key);
            return node.Value.Body;
        }
    }

    /// <summary>Drops every body and keeps none from now on (the downloader is disposed).</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _entries.Clear();
            _order.Clear();
            _bytes = 0;
        }
    }

    private void RemoveLocked(DownloadKey key)
    {
        if (_entries.Remove(key, out var node))
        {
            _order.Remove(node);
            _bytes -= node.Value.Body.Cost;
        }
    }
}
