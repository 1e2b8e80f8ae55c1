using ImageKit.Decoding;

namespace ImageKit.Caching.Internal;

/// <summary>
/// One image held strongly by a <see cref="MemoryImageCache"/>: the entry and its place in the recency list in one object,
/// so a store allocates one node rather than an entry plus a <see cref="LinkedListNode{T}"/>.
/// </summary>
internal sealed class LruNode(string key, ImageLease lease, long cost)
{
    private volatile bool _removed;
    private volatile LruNode? _nextInBucket;

    public string Key { get; } = key;

    /// <summary>The key's hash, as <see cref="LruIndex"/> files it.</summary>
    public int Hash { get; } = LruIndex.Hash(key);

    public ImageLease Lease { get; } = lease;

    public long Cost { get; } = cost;

    public LruNode? Previous { get; set; }

    public LruNode? Next { get; set; }

    /// <summary>The next node in the same <see cref="LruIndex"/> chain; read without a lock.</summary>
    public LruNode? NextInBucket
    {
        get => _nextInBucket;
        set => _nextInBucket = value;
    }

    /// <summary>
    /// Whether the cache has let go of this entry (evicted, removed, replaced or cleared). Set once, under the cache's lock,
    /// before the cache's lease is disposed; never cleared (an image held again gets a new node). A lock-free hit checks it
    /// after taking its share, and a recorded hit drained later is ignored once it is set.
    /// </summary>
    public bool IsRemoved
    {
        get => _removed;
        set => _removed = value;
    }
}
