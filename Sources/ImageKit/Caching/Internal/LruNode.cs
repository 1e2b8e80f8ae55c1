using ImageKit.Decoding;

namespace ImageKit.Caching.Internal;

/// <summary>
/// One image held strongly by a <see cref="MemoryImageCache"/>: the entry, its place in the recency list and the cache's
/// share of ownership of the image in one object, so a store allocates one node rather than an entry, a
/// <see cref="LinkedListNode{T}"/> and an <see cref="ImageLease"/> (the cache keeps every image it loads, and the
/// collections that follow copy each object it keeps).
/// </summary>
/// <param name="key">The cache key.</param>
/// <param name="image">The image, on which the caller has taken a share of ownership (<see cref="AnimatedImage.TryAddOwner"/>)
/// that the node now holds and gives back with <see cref="ReleaseShare"/>.</param>
/// <param name="cost">The cost charged.</param>
internal sealed class LruNode(string key, AnimatedImage image, long cost)
{
    private const int Held = 0;
    private const int Removed = 1;
    private const int Released = 2;

    private int _state; // Held, then Removed (under the cache's lock), then Released (after it)
    private volatile LruNode? _nextInBucket;
    private AnimatedImage? _image = image;

    public string Key { get; } = key;

    /// <summary>The key's hash, as <see cref="LruIndex"/> files it.</summary>
    public int Hash { get; } = LruIndex.Hash(key);

    /// <summary>
    /// The image, usable until <see cref="ReleaseShare"/>, and <see langword="null"/> after it: a reference to the node
    /// that outlives its entry (a lock-free hit's late write into a hit buffer's slot that no drain visits again, after a
    /// disposal for ever) then keeps no image alive. Never null for a node the cache holds, under its lock.
    /// </summary>
    public AnimatedImage? Image => _image;

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
    /// Whether the cache has let go of this entry (evicted, removed, replaced or cleared): set once by
    /// <see cref="MarkRemoved"/> or <see cref="ReleaseShare"/>, before the cache's share is released; never cleared (an
    /// image held again gets a new node). A lock-free hit checks it after taking its share, and a recorded hit drained
    /// later is ignored once it is set.
    /// </summary>
    public bool IsRemoved => Volatile.Read(ref _state) != Held;

    /// <summary>Marks the node removed, under the cache's lock; its share is released after the lock (<see cref="ReleaseShare"/>).</summary>
    public void MarkRemoved() => Interlocked.CompareExchange(ref _state, Removed, Held);

    /// <summary>
    /// Gives up the cache's share of ownership of the image (marking the node removed, if it was not): the last owner's
    /// release disposes the image's decoder, so callers do it outside the cache's lock. Idempotent, as disposing a lease is.
    /// </summary>
    public void ReleaseShare()
    {
        if (Interlocked.Exchange(ref _state, Released) != Released)
        {
            var image = _image!;
            _image = null; // a lock-free hit reading it meanwhile gets the image or nothing: either way, it sees IsRemoved
            image.ReleaseOwnership();
        }
    }
}
