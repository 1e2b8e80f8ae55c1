using ImageKit.Caching.Internal;
using ImageKit.Decoding;

namespace ImageKit.Caching;

// Fills: an ImageCache storing what a disk hit decoded. The bytes were read before the decode, so a store, removal or
// clear of the key that lands meanwhile is newer than them, and the fill must not undo it (put the old image back over a
// newer one, or into a tier just emptied). Stamps tell: each key's stripe counts the stores (not fills) and removals of
// its keys, and clears (and removals of a key's variants) count for every key. A store of a key's bytes that leaves the
// memory tier alone (a disk-only store) outdates the images of the old bytes too, the key's variants included: it moves
// the stamp of the key's stripe before and after its write, and no fill checking that stripe lands while it writes.
public sealed partial class MemoryImageCache
{
    // A power of two; keys sharing a stripe only make a fill give way needlessly (one more disk decode later): 8 KB of
    // stamps keeps that rare while a few stores land during a disk hit's decode.
    private const int StampStripes = 1024;

    private readonly long[] _stamps = new long[StampStripes]; // written under _lock, read by FillStamp without it
    private readonly int[] _bytesStores = new int[StampStripes]; // stores of bytes writing now, per stripe; under _lock
    private long _clears; // written under _lock, read by FillStamp without it

    /// <summary>
    /// The stamp of <paramref name="key"/> now, to pass to <see cref="Fill"/> once the image read after this call is
    /// decoded: it moves on with every store or removal of the key (or of a key sharing its stripe), every store of the
    /// bytes of the key it is a variant of (<see cref="BeginBytesStore"/>), and every clear.
    /// </summary>
    /// <remarks>
    /// Read without the lock, which every cold load would otherwise take once more: the counters only grow, so a store,
    /// removal or clear racing this read can only make the stamp read older than the one <see cref="Fill"/> then sees, and
    /// that fill gives way, as it would for a store landing just after.
    /// </remarks>
    internal long FillStamp(string key) => StampOf(StripesOf(key, LruIndex.Hash(key)));

    /// <summary>
    /// Stores <paramref name="image"/> as <see cref="Set"/> does, unless the stamp of <paramref name="key"/> has moved on
    /// from <paramref name="stamp"/> (<see cref="FillStamp"/>), or a store of the bytes of its key is writing: then
    /// something newer was stored, removed or cleared since the image's bytes were read, or may be, and nothing is stored.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The image has been released, or the cache disposed.</exception>
    internal void Fill(string key, AnimatedImage image, long stamp) => Store(key, image, cost: -1, stamp);

    /// <summary>
    /// A store of the bytes of <paramref name="key"/> (not through this tier: on disk) begins: until
    /// <see cref="EndBytesStore"/>, no fill of the key or of its variants lands, and those whose stamp was taken before
    /// either call give way (they may have read the bytes it replaces).
    /// </summary>
    internal void BeginBytesStore(string key) => MarkBytesStore(key, +1);

    /// <summary>The store of <see cref="BeginBytesStore"/> has ended, written or not.</summary>
    internal void EndBytesStore(string key) => MarkBytesStore(key, -1);

    private void MarkBytesStore(string key, int change)
    {
        var stripe = LruIndex.Hash(key) & (StampStripes - 1);
        lock (_lock)
        {
            Interlocked.Increment(ref _stamps[stripe]); // atomic for FillStamp
            _bytesStores[stripe] += change;
        }
    }

    // Caller holds _lock. Whether a fill of the key (its hash given) with this stamp may land.
    private bool MayFill(string key, int hash, long expected)
    {
        var stripes = StripesOf(key, hash);
        return StampOf(stripes) == expected && _bytesStores[stripes.Own] == 0 && _bytesStores[stripes.OfKey] == 0;
    }

    // The stripe of a memory key, and that of the key it is a variant of (its own, when it is no variant): stores of the
    // key's bytes move the latter.
    private static (int Own, int OfKey) StripesOf(string key, int hash)
    {
        var own = hash & (StampStripes - 1);
        var keyLength = MemoryCacheKey.KeyLength(key);
        return (own, keyLength == key.Length ? own : LruIndex.Hash(key.AsSpan(0, keyLength)) & (StampStripes - 1));
    }

    // The counters only grow, so their sum changes whenever one does.
    private long StampOf((int Own, int OfKey) stripes)
    {
        var stamp = Volatile.Read(ref _clears) + Volatile.Read(ref _stamps[stripes.Own]);
        return stripes.OfKey == stripes.Own ? stamp : stamp + Volatile.Read(ref _stamps[stripes.OfKey]);
    }

    // Caller holds _lock.
    private void AdvanceStamp(int hash) => Interlocked.Increment(ref _stamps[hash & (StampStripes - 1)]); // atomic for FillStamp
}
