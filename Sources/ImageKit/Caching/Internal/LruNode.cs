using ImageKit.Decoding;

namespace ImageKit.Caching.Internal;

/// <summary>
/// One image held strongly by a <see cref="MemoryImageCache"/>: the entry and its place in the recency list in one object,
/// so a store allocates one node rather than an entry plus a <see cref="LinkedListNode{T}"/>.
/// </summary>
internal sealed class LruNode(string key, ImageLease lease, long cost)
{
    public string Key { get; } = key;

    public ImageLease Lease { get; } = lease;

    public long Cost { get; } = cost;

    public LruNode? Previous { get; set; }

    public LruNode? Next { get; set; }
}
