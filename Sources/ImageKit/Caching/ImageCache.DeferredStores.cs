using ImageKit.Caching.Internal;

namespace ImageKit.Caching;

public sealed partial class ImageCache
{
    /// <summary>
    /// Registers with the disk tier a store of <paramref name="key"/>'s bytes (or of a variant made from them) that the
    /// caller will run later through <see cref="StoreDeferredAsync"/>: until it begins, a removal of the key and a clear of
    /// the disk (through this cache or the tier itself) cancel it, and once it runs they wait for it, so that neither is
    /// undone by bytes loaded before it. The caller must end the registration: run it, or
    /// <see cref="PendingDiskStores.Store.End"/> it. <see langword="null"/> without a disk tier.
    /// </summary>
    /// <remarks>
    /// Until the store lands, a query that misses the disk for <paramref name="key"/> reads <paramref name="data"/> instead
    /// (a disk hit: the bytes are on their way there), so a second load of the URL (another size, or after the memory
    /// cache let the image go) does not download it again while the stores wait for a burst of loads to end.
    /// </remarks>
    internal PendingDiskStores.Store? DeferDiskStore(string key, ReadOnlyMemory<byte> data = default, DiskCacheMetadata? metadata = null) =>
        Disk?.PendingStores.Register(key, data, metadata);

    /// <summary>The bytes of a store of <paramref name="key"/> still to land on <paramref name="disk"/>, as the disk entry they will be; or <see langword="null"/>.</summary>
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
            await store().ConfigureAwait(false);
        }
        finally
        {
            registration.End();
        }
    }
}
