using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Diagnostics.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageKit.Caching;

public sealed partial class MemoryImageCache
{
    /// <summary>Where pressure trims are logged (category <c>ImageKit.Caching</c>); set by the <see cref="ImageCache"/> that creates this tier.</summary>
    internal ILogger Logger { get; set; } = NullLogger.Instance;

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
            // Releasing images disposes native codecs: do it on the thread pool, not on the finalizer thread. A keep fraction
            // of 0 empties the cache (EmptyTarget), images charged nothing included, which no total could trim.
            var target = Options.MemoryPressureKeepFraction == 0 ? EmptyTarget : (long)(TotalCost * Options.MemoryPressureKeepFraction);
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Cache.TrimIfOpen(state.Target), (Cache: this, Target: target), preferLocal: false);
        }

        return true;
    }

    private void TrimIfOpen(long targetCost)
    {
        try
        {
            TrimTo(targetCost);
            var trimmedTo = Math.Max(0, targetCost); // EmptyTarget: trimmed to nothing
            Log.MemoryCacheTrimmed(Logger, trimmedTo);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    // A trim target below every total, 0 included: every image is evicted, whatever it was charged.
    private const long EmptyTarget = -1;

    // Caller holds _lock.
    // Leases are released by the caller after it leaves the lock: the last release of an image disposes its codecs, which
    // is not O(1).
    // Costs and the limit are capped at half of long.MaxValue: the total (at most the limit, plus the entry being added)
    // then cannot overflow, whatever MaxCost and the costs callers charge.
    private const long MaxChargeableCost = long.MaxValue / 2;

    // The weak table is pruned once it holds more entries than this (and than twice the images held strongly).
    private const int MinWeakPruneThreshold = 64;

    // An entry costing more than the cap is charged the cap.
    private static long ChargeableCost(long cost) => Math.Min(cost, MaxChargeableCost);

    private void EvictToLimits(long maxCost, int maxCount, ref ReleasedShares released)
    {
        maxCost = Math.Min(maxCost, MaxChargeableCost);
        while (_lru.Last is { } last && (_totalCost > maxCost || (maxCount > 0 && _lru.Count > maxCount)))
        {
            Unlink(last);
            _evictions++;
            if (Options.UseWeakCache)
            {
                _weak[last.Key] = new WeakEntry(new WeakReference<AnimatedImage>(last.Image!), last.Cost);
            }

            released.Add(last);
        }

        PruneWeakIfDue();
    }

    // Caller holds _lock; after every addition to the weak table (evictions, and images too costly to hold strongly).
    // Amortised: after a prune, the next one waits until the table has doubled, so live entries are not scanned per store.
    private void PruneWeakIfDue()
    {
        if (_weak.Count > _weakPruneThreshold && _weak.Count > 2 * _lru.Count)
        {
            PruneWeak();
            _weakPruneThreshold = Math.Max(MinWeakPruneThreshold, 2 * _weak.Count);
        }
    }

    /// <summary>
    /// Removes <paramref name="key"/> and every decoded variant of it (first frame, thumbnail, scaled-down, transformed:
    /// see <see cref="MemoryCacheKey"/>), weak table included: the bytes they were decoded from were replaced. O(n) in the
    /// images held; returns how many were removed.
    /// </summary>
    internal int RemoveVariantsOf(string key)
    {
        var released = new List<LruNode>();
        lock (_lock)
        {
            Interlocked.Increment(ref _clears); // the variants' keys are many: every fill in flight gives way
            for (var node = _lru.First; node is not null;)
            {
                var next = node.Next;
                if (MemoryCacheKey.IsOf(node.Key, key))
                {
                    Unlink(node);
                    released.Add(node);
                }

                node = next;
            }

            foreach (var weakKey in _weak.Keys.Where(k => MemoryCacheKey.IsOf(k, key)).ToList())
            {
                _weak.Remove(weakKey);
            }
        }

        foreach (var node in released)
        {
            node.ReleaseShare();
        }

        return released.Count;
    }

    // Caller holds _lock. Marks the node removed before its lease is released (after the lock), which a lock-free hit on
    // it checks.
    private void Unlink(LruNode node)
    {
        node.MarkRemoved();
        _entries.Remove(node);
        _lru.Remove(node);
        _totalCost -= node.Cost;
    }

    // Whether an image of this (chargeable) cost can be held strongly at all. A MaxCost of 0 holds nothing strongly, not
    // even an image charged 0 (which no eviction would ever take out again).
    private bool Fits(long cost) => Options.MaxCost > 0 && cost <= Math.Min(Options.MaxCost, MaxChargeableCost);

    // Caller holds _lock. An evicted image someone else still owns comes back as the most recently used; one that costs
    // more than the cache may hold stays in the weak table, and the caller gets a lease of its own.
    private ImageLease? TryReviveWeak(string key, ref ReleasedShares released)
    {
        if (!_weak.TryGetValue(key, out var weak) || !weak.Image.TryGetTarget(out var image))
        {
            _weak.Remove(key);
            return null;
        }

        if (!Fits(weak.Cost))
        {
            var lease = image.TryAcquireLease();
            if (lease is null)
            {
                _weak.Remove(key); // every owner let go: the image has been released
            }

            return lease;
        }

        _weak.Remove(key);

        if (!image.TryAddOwner())
        {
            return null; // every owner let go: the image has been released
        }

        var node = new LruNode(key, image, weak.Cost);
        _entries.Add(node); // the key is not held strongly: the caller looked it up under the lock
        _lru.AddFirst(node);
        _totalCost += node.Cost;
        var callerLease = image.AcquireLease();
        EvictToLimits(Options.MaxCost, Options.MaxCount, ref released);
        return callerLease;
    }

    // Caller holds _lock. Amortised: runs only when dead weak entries may outnumber live entries.
    private void PruneWeak()
    {
        List<string>? dead = null;
        foreach (var (key, weak) in _weak)
        {
            if (!weak.IsAlive)
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
