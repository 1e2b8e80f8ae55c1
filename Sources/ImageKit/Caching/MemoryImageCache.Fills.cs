using ImageKit.Caching.Internal;
using ImageKit.Decoding;

namespace ImageKit.Caching;

// Fills: an ImageCache storing what a disk hit decoded. The bytes were read before the decode, so a store, removal or
// clear of the key that lands meanwhile is newer than them, and the fill must not undo it (put the old image back over a
// newer one, or into a tier just emptied). Stamps tell: each key's stripe counts the stores (not fills) and removals of
// its keys, and clears (and removals of a key's variants) count for every key.
public sealed partial class MemoryImageCache
{
    // A power of two; keys sharing a stripe only make a fill give way needlessly (one more disk decode later): 8 KB of
    // stamps keeps that rare while a few stores land during a disk hit's decode.
    private const int StampStripes = 1024;

    private readonly long[] _stamps = new long[StampStripes]; // written under _lock, read by FillStamp without it
    private long _clears; // written under _lock, read by FillStamp without it

    /// <summary>
    /// The stamp of <paramref name="key"/> now, to pass to <see cref="Fill"/> once the image read after this call is
    /// decoded: it moves on with every store or removal of the key (or of a key sharing its stripe) and every clear.
    /// </summary>
    /// <remarks>
    /// Read without the lock, which every cold load would otherwise take once more: both counters only grow, so a store,
    /// removal or clear racing this read can only make the stamp read older than the one <see cref="Fill"/> then sees, and
    /// that fill gives way, as it would for a store landing just after.
    /// </remarks>
    internal long FillStamp(string key)
    {
        var stripe = LruIndex.Hash(key) & (StampStripes - 1);
        return Volatile.Read(ref _clears) + Volatile.Read(ref _stamps[stripe]);
    }

    /// <summary>
    /// Stores <paramref name="image"/> as <see cref="Set"/> does, unless the stamp of <paramref name="key"/> has moved on
    /// from <paramref name="stamp"/> (<see cref="FillStamp"/>): then something newer was stored, removed or cleared since
    /// the image's bytes were read, and nothing is stored.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The image has been released, or the cache disposed.</exception>
    internal void Fill(string key, AnimatedImage image, long stamp) => Store(key, image, cost: -1, stamp);

    // Caller holds _lock. Both counters only grow, so their sum changes whenever either does.
    private long StampOf(int hash) => _clears + _stamps[hash & (StampStripes - 1)];

    // Caller holds _lock.
    private void AdvanceStamp(int hash) => Interlocked.Increment(ref _stamps[hash & (StampStripes - 1)]); // atomic for FillStamp
}
