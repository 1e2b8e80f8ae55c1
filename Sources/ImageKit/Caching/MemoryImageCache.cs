using System.Diagnostics.CodeAnalysis;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;

namespace ImageKit.Caching;

/// <summary>
/// Decoded images in memory (the counterpart of SDWebImage's <c>SDMemoryCache</c>): least-recently-used, bounded by total
/// cost and by count, with a weak table that finds an evicted image again while something else still owns it.
/// </summary>
/// <remarks>
/// <para>
/// <b>Ownership.</b> The cache holds a share of ownership of each image it stores, as an <see cref="ImageLease"/> does,
/// and hands every caller of <see cref="TryGet"/> a lease of its own. Evicting, removing or trimming only gives up the
/// cache's share: an image a player or a load result still owns stays usable and is released when its last owner lets go. The creator of an image
/// may dispose it right after <see cref="Set"/>.
/// </para>
/// <para>
/// <b>Threading.</b> Every member is thread-safe. Stores, removals and misses are O(1) under one short lock; a hit on an
/// image held strongly takes no lock: it takes the caller's lease, counts the hit and records it in a small per-thread
/// buffer, which is applied to the recency order under the lock when it fills and before every eviction, trim or clear.
/// </para>
/// <para>
/// <b>Recency order.</b> When one thread uses the cache the order is exact least-recently-used. Hits made on several
/// threads between two stores are applied thread by thread rather than in the order they happened, and under heavy
/// contention a hit may find its buffer full (or overtaken by a drain) and leave the order unchanged: eviction is then
/// approximately least-recently-used. Hit and miss counts stay exact.
/// </para>
/// <para>
/// <b>After <see cref="Dispose"/>.</b> <see cref="TryGet"/> and <see cref="Set"/> throw <see cref="ObjectDisposedException"/>
/// (a lookup or a store would be a mistake); <see cref="Contains"/>, <see cref="Remove"/>, <see cref="Clear"/> and
/// <see cref="Trim"/> see an empty cache, so that clean-up code racing a shutdown needs no guard.
/// </para>
/// </remarks>
public sealed partial class MemoryImageCache : IDisposable
{
    private readonly Lock _lock = new();
    private readonly LruIndex _entries = new(); // written under _lock; read without it by the hit path
    private readonly LruList _lru = new(); // most recently used first
    private readonly HitBuffer _lockFreeHits = new(); // hits taken without _lock, counted and waiting for _lru
    private readonly Dictionary<string, WeakEntry> _weak = new(StringComparer.Ordinal);
    private long _totalCost;
    private long _hits; // hits answered under _lock; the lock-free ones are counted by _lockFreeHits
    private long _weakHits;
    private long _misses;
    private long _evictions;
    private int _weakPruneThreshold = MinWeakPruneThreshold; // written under _lock
    private volatile bool _disposed;

    /// <summary>Creates an empty cache.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public MemoryImageCache(MemoryImageCacheOptions? options = null)
    {
        Options = options ?? MemoryImageCacheOptions.Default;
        Options.Validate();
        if (Options.TrimOnMemoryPressure)
        {
            Gen2GcCallback.Register(static cache => ((MemoryImageCache)cache).OnFullCollection(IsMemoryLoadHigh), this);
        }
    }

    /// <summary>The settings this cache was created with.</summary>
    public MemoryImageCacheOptions Options { get; }

    /// <summary>The number of images held strongly.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _lru.Count;
            }
        }
    }

    /// <summary>The total cost of the images held strongly, in bytes.</summary>
    public long TotalCost
    {
        get
        {
            lock (_lock)
            {
                return _totalCost;
            }
        }
    }

    /// <summary>What the cache holds and has done so far.</summary>
    public MemoryCacheStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new MemoryCacheStatistics(_lru.Count, _totalCost, _hits + _lockFreeHits.Hits, _weakHits, _misses, _evictions);
            }
        }
    }

    /// <summary>
    /// Looks <paramref name="key"/> up, first among the images held strongly, then in the weak table. On a hit the image
    /// becomes the most recently used (a weak hit is held strongly again) and <paramref name="lease"/> is the caller's own
    /// lease on it, to dispose when done.
    /// </summary>
    /// <remarks>
    /// A hit on an image held strongly takes no lock (see the class remarks). It never hands out a lease on an image the
    /// cache has let go of meanwhile: when an eviction, removal or <see cref="Dispose"/> races it, the lookup is done
    /// again under the lock.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The cache has been disposed.</exception>
    public bool TryGet(string key, [NotNullWhen(true)] out ImageLease? lease)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_entries.Find(key) is { } node && node.Image?.TryAcquireLease() is { } shared)
        {
            // A share is never taken on a released image. The node still being held after it means no removal has
            // committed yet (a removal marks the node before it releases the cache's share): the hit comes before it.
            if (!node.IsRemoved)
            {
                if (_lockFreeHits.Record(node))
                {
                    TryDrainHits();
                }

                lease = shared;
                return true;
            }

            shared.Dispose();
        }

        return TryGetLocked(key, out lease);
    }

    /// <summary>Whether <paramref name="key"/> is held strongly or found in the weak table (counts as no lookup).</summary>
    public bool Contains(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            return _entries.Find(key) is not null
                || (_weak.TryGetValue(key, out var weak) && weak.IsAlive);
        }
    }

    /// <summary>
    /// Stores <paramref name="image"/> under <paramref name="key"/> as the most recently used, replacing what was there, and
    /// evicts the least recently used images until the limits hold. The cache takes its own lease on the image.
    /// </summary>
    /// <param name="key">The cache key.</param>
    /// <param name="image">The image; it must not have been released.</param>
    /// <param name="cost">
    /// The cost to charge; negative (the default) charges <see cref="AnimatedImage.MemoryCost"/>. An image costing more
    /// than <see cref="MemoryImageCacheOptions.MaxCost"/> is not held strongly (it would only evict every other image
    /// before itself): it replaces the key's entry and is found through the weak table while something else owns it.
    /// </param>
    /// <exception cref="ObjectDisposedException">The image has been released, or the cache disposed.</exception>
    public void Set(string key, AnimatedImage image, long cost = -1) => Store(key, image, cost, expectedStamp: null);

    // Set, or with expectedStamp a fill (see Fill): then nothing is stored once the key's stamp has moved on.
    private void Store(string key, AnimatedImage image, long cost, long? expectedStamp)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(!image.TryAddOwner(), image); // the cache's share, held by its node
        var node = new LruNode(key, image, ChargeableCost(cost < 0 ? image.MemoryCost : cost));
        var released = default(ReleasedShares);
        try
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    released.Add(node);
                    ObjectDisposedException.ThrowIf(true, this);
                }

                if (expectedStamp is not { } expected)
                {
                    // A store; not a fill: fills put back what the disk already holds, so one fill never outdates another
                    // (with striped stamps, fills of other keys would otherwise make concurrent disk hits skip theirs).
                    AdvanceStamp(node.Hash);
                }
                else if (!MayFill(key, node.Hash, expected))
                {
                    released.Add(node); // a store, removal or clear of the key came after what the fill decoded, or may
                    return;
                }

                _lockFreeHits.Drain(_lru); // the hits made so far come before this store

                if (!Fits(node.Cost))
                {
                    // Held strongly, it would be evicted last, after every image that fits: it replaces the key's entry
                    // and is found through the weak table while someone else owns it, and nothing else is evicted.
                    released.Add(node);
                    if (_entries.Find(key, node.Hash) is { } replacedNode)
                    {
                        Unlink(replacedNode);
                        released.Add(replacedNode);
                    }

                    if (Options.UseWeakCache)
                    {
                        _weak[key] = new WeakEntry(new WeakReference<AnimatedImage>(image), node.Cost);
                        PruneWeakIfDue();
                    }
                    else
                    {
                        _weak.Remove(key);
                    }

                    return;
                }

                if (_entries.Find(key, node.Hash) is { } replaced)
                {
                    Unlink(replaced);
                    released.Add(replaced);
                }

                _entries.Add(node);
                if (_weak.Count > 0)
                {
                    _weak.Remove(key);
                }

                _lru.AddFirst(node);
                _totalCost += node.Cost;
                EvictToLimits(Options.MaxCost, Options.MaxCount, ref released);
            }
        }
        finally
        {
            released.Release();
        }
    }

    /// <summary>Removes <paramref name="key"/> from the cache, weak table included; returns whether it was there.</summary>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        LruNode? released = null;
        bool removed;
        lock (_lock)
        {
            // A weak entry counts only while its image is still usable, as Contains sees it.
            removed = _weak.Remove(key, out var weak) && weak.IsAlive;
            var hash = LruIndex.Hash(key);
            AdvanceStamp(hash);
            if (_entries.Find(key, hash) is { } node)
            {
                Unlink(node);
                released = node;
                removed = true;
            }
        }

        released?.ReleaseShare();
        return removed;
    }

    /// <summary>Removes everything, weak table included.</summary>
    public void Clear()
    {
        List<LruNode> released;
        lock (_lock)
        {
            _lockFreeHits.Drain(_lru); // empties the buffers, so they keep no node alive
            released = new List<LruNode>(_lru.Count);
            for (var node = _lru.First; node is not null; node = node.Next)
            {
                node.MarkRemoved();
                released.Add(node);
            }

            _entries.Clear();
            _lru.Clear();
            _weak.Clear();
            _weakPruneThreshold = MinWeakPruneThreshold; // the table is empty: its next prune is due as in a new cache
            _totalCost = 0;
            Interlocked.Increment(ref _clears); // atomic for FillStamp, which reads it without the lock
        }

        foreach (var node in released)
        {
            node.ReleaseShare();
        }
    }

    /// <summary>
    /// Evicts least recently used images until the total cost is at most <paramref name="targetCost"/> (memory pressure).
    /// Evicted images still owned elsewhere stay reachable through the weak table.
    /// </summary>
    public void Trim(long targetCost)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetCost);
        TrimTo(targetCost);
    }

    // Trim, and with EmptyTarget, empties the cache (memory pressure with a keep fraction of 0).
    private void TrimTo(long targetCost)
    {
        var released = default(ReleasedShares);
        lock (_lock)
        {
            _lockFreeHits.Drain(_lru);
            EvictToLimits(targetCost, maxCount: 0, ref released);
        }

        released.Release();
    }

    /// <summary>Empties the cache and stops listening for memory pressure. Idempotent.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        Clear();
    }

    // An evicted image, with the cost it was charged, so that reviving it charges the same.
    /// <summary>Entries in the weak table, live or not (tests: the table is pruned, so it does not grow with every eviction).</summary>
    internal int WeakEntryCount
    {
        get
        {
            lock (_lock)
            {
                return _weak.Count;
            }
        }
    }

    private readonly record struct WeakEntry(WeakReference<AnimatedImage> Image, long Cost)
    {
        // Whether the image can still be found: not collected, and not released by its last owner.
        public bool IsAlive => Image.TryGetTarget(out var image) && !image.IsDisposed;
    }
}
