using ImageKit.Decoding;

namespace ImageKit.Caching;

public sealed partial class MemoryImageCache
{
    // Leases are released outside the lock: the last release of an image disposes its codecs, which is not O(1).
    private static void Release(List<ImageLease>? leases)
    {
        if (leases is null)
        {
            return;
        }

        foreach (var lease in leases)
        {
            lease.Dispose();
        }
    }

    private static bool IsMemoryLoadHigh()
    {
        var info = GC.GetGCMemoryInfo();
        return info.HighMemoryLoadThresholdBytes > 0 && info.MemoryLoadBytes >= info.HighMemoryLoadThresholdBytes;
    }

    /// <summary>Runs after each full collection (finalizer thread); returns whether to keep listening.</summary>
    internal bool OnFullCollection(Func<bool> isMemoryLoadHigh)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }
        }

        if (isMemoryLoadHigh())
        {
            // Releasing images disposes native codecs: do it on the thread pool, not on the finalizer thread.
            var target = (long)(TotalCost * Options.MemoryPressureKeepFraction);
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Cache.TrimIfOpen(state.Target), (Cache: this, Target: target), preferLocal: false);
        }

        return true;
    }

    private void TrimIfOpen(long targetCost)
    {
        try
        {
            Trim(targetCost);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    // Caller holds _lock.
    private void EvictToLimits(long maxCost, int maxCount, ref List<ImageLease>? released)
    {
        while (_lru.Last is { } last && (_totalCost > maxCost || (maxCount > 0 && _entries.Count > maxCount)))
        {
            _entries.Remove(last.Value.Key);
            Unlink(last);
            _evictions++;
            if (Options.UseWeakCache)
            {
                _weak[last.Value.Key] = new WeakEntry(new WeakReference<AnimatedImage>(last.Value.Lease.Image), last.Value.Cost);
            }

            (released ??= []).Add(last.Value.Lease);
        }

        if (_weak.Count > 64 && _weak.Count > 2 * _entries.Count)
        {
            PruneWeak();
        }
    }

    // Caller holds _lock.
    private void Unlink(LinkedListNode<Entry> node)
    {
        _lru.Remove(node);
        _totalCost -= node.Value.Cost;
    }

    // Caller holds _lock. An evicted image someone else still owns comes back as the most recently used.
    private ImageLease? TryReviveWeak(string key, ref List<ImageLease>? released)
    {
        if (!_weak.Remove(key, out var weak) || !weak.Image.TryGetTarget(out var image))
        {
            return null;
        }

        var cacheLease = image.TryAcquireLease();
        if (cacheLease is null)
        {
            return null; // every owner let go: the image has been released
        }

        var entry = new Entry(key, cacheLease, weak.Cost);
        _entries.Add(key, _lru.AddFirst(entry));
        _totalCost += entry.Cost;
        var callerLease = cacheLease.Share();
        EvictToLimits(Options.MaxCost, Options.MaxCount, ref released);
        return callerLease;
    }

    // Caller holds _lock. Amortised: runs only when dead weak entries may outnumber live entries.
    private void PruneWeak()
    {
        List<string>? dead = null;
        foreach (var (key, weak) in _weak)
        {
            if (!weak.Image.TryGetTarget(out var image) || image.IsDisposed)
            {
                (dead ??= []).Add(key);
            }
        }

        if (dead is not null)
        {
            foreach (var key in dead)
            {
                _weak.Remove(key);
            }
        }
    }
}
