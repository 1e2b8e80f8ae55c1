using System.Diagnostics.CodeAnalysis;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;

namespace ImageKit.Caching;

// The locked side of lookups: misses, weak-table revivals, hits that raced a removal, and draining the lock-free hits.
public sealed partial class MemoryImageCache
{
    private bool TryGetLocked(string key, [NotNullWhen(true)] out ImageLease? lease)
    {
        var released = default(ReleasedShares);
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _lockFreeHits.Drain(_lru); // the hits made so far come before this one
                if (_entries.Find(key) is { } node)
                {
                    // Under the lock the node is held and its share live: the image has not been released.
                    _lru.MoveToFirst(node);
                    _hits++;
                    lease = node.Image!.AcquireLease();
                    return true;
                }

                lease = _weak.Count == 0 ? null : TryReviveWeak(key, ref released);
                if (lease is not null)
                {
                    _weakHits++;
                    return true;
                }

                _misses++;
                return false;
            }
        }
        finally
        {
            released.Release();
        }
    }

    // The calling thread's stripe of lock-free hits is full: apply it unless someone holds the lock (then the next drain
    // applies it, and hits recorded on this stripe until then are counted but leave the recency order as it is). Only this
    // stripe: one thread's hits still reach the list in order, and the other threads' stripes stay in their caches.
    private void TryDrainHits()
    {
        if (_lock.TryEnter())
        {
            try
            {
                _lockFreeHits.DrainCurrentStripe(_lru);
            }
            finally
            {
                _lock.Exit();
            }
        }
    }
}
