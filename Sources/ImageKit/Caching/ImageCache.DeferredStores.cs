using ImageKit.Caching.Internal;

namespace ImageKit.Caching;

public sealed partial class ImageCache
{
    /// <summary>
    /// The bytes of a store of <paramref name="key"/> still to land on <paramref name="disk"/> (registered in its
    /// <see cref="DiskImageCache.PendingStores"/>), as the disk entry they will be; or <see langword="null"/>. A query that
    /// misses the disk reads them, so that a second load of the URL (another size, or after the memory cache let the image
    /// go) does not download it again while the stores wait for a burst of loads to end.
    /// </summary>
    private static DiskCacheEntry? PendingEntry(DiskImageCache disk, string key)
    {
        if (disk.PendingStores.Pending(key) is not { } pending)
        {
            return null;
        }

        var now = DateTimeOffset.UtcNow;
        return new DiskCacheEntry(key, pending.Data.ToArray(), pending.Metadata, now, now);
    }

    /// <summary>
    /// Removes <paramref name="read"/>, bytes of <paramref name="key"/> that no longer decode, from <paramref name="disk"/>:
    /// the entry if it still holds them, and a store of them still to land. Other bytes stored or waiting to be stored since
    /// they were read are newer, and stay.
    /// </summary>
    private static async Task RemoveUndecodableAsync(DiskImageCache disk, string key, byte[] read, CancellationToken cancellationToken)
    {
        if (disk.PendingStores.Pending(key) is not { } pending)
        {
            disk.RemoveIfHolds(key, read, cancellationToken);
        }
        else if (pending.Data.Span.SequenceEqual(read))
        {
            await disk.RemoveAsync(key, cancellationToken).ConfigureAwait(false); // the bytes waiting are these: they go too
        }
    }

    /// <summary>
    /// The caches that a store through <paramref name="cache"/> reaches, each once: the members an
    /// <see cref="ImageCacheChain"/>'s <see cref="ImageCacheChain.StorePolicy"/> selects (chains within it flattened the same
    /// way), or the cache itself. A deferred disk store is registered with each of them that is an <see cref="ImageCache"/>
    /// with a disk tier, so that a removal, a clear or a newer write through the chain (which reach the same members)
    /// cancels or outranks it as it would through that cache alone.
    /// </summary>
    internal static List<IImageCache> StoreTargets(IImageCache cache)
    {
        var targets = new List<IImageCache>();
        Collect(cache, targets);
        return targets;

        // A chain is made of caches that exist before it, so chains nest without cycles.
        static void Collect(IImageCache cache, List<IImageCache> into)
        {
            if (cache is ImageCacheChain chain)
            {
                foreach (var member in chain.StoreTargets)
                {
                    Collect(member, into);
                }
            }
            else if (!into.Contains(cache))
            {
                into.Add(cache);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="store"/> for a registration, unless a removal or a clear cancelled it meanwhile; without one
    /// (a cache that is not an <see cref="ImageCache"/>, or has no disk tier), just runs it.
    /// </summary>
    internal static async Task StoreDeferredAsync(PendingDiskStores.Store? registration, Func<Task> store)
    {
        if (registration is null)
        {
            await store().ConfigureAwait(false);
            return;
        }

        if (!registration.TryBegin())
        {
            return;
        }

        try
        {
            // Its own write supersedes the stores of the key registered before it, never itself (see SupersedeAsync). Set
            // in this async method, the value flows into the store and is gone when it returns.
            PendingDiskStores.Current = registration;
            await store().ConfigureAwait(false);
        }
        finally
        {
            registration.End();
        }
    }
}
