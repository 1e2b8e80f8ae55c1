using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Loading;

namespace ImageKit;

// What ImagePrefetcher asks the manager: whether a URL is where a prefetch's load would put it.
public sealed partial class ImageManager
{
    /// <summary>
    /// Whether <see cref="ImagePrefetcher"/> skips <paramref name="url"/>: the image is where a load with
    /// <paramref name="options"/> would put it. That is on disk (or on its way there, its background store under way)
    /// whenever such a load stores on disk (see <see cref="StoresOnDiskAsync"/>): an image held in memory only would be
    /// gone after a restart, though the prefetch said it was there.
    /// </summary>
    /// <returns>
    /// <see langword="null"/> to skip the URL, else the options to load it with: <paramref name="options"/>, or for an image
    /// in memory only, options that load it again from its URL (<see cref="ImageLoadOptions.FromNetworkOnly"/>): its bytes
    /// are nowhere else, and a load would stop at the memory hit.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The manager is disposed, or being disposed.</exception>
    internal async Task<ImageLoadOptions?> PrefetchOptionsAsync(Uri url, ImageLoadOptions options, CancellationToken cancellationToken)
    {
        // Counted as a load: Dispose waits for it, and once Dispose has begun it asks the caches nothing (they may be
        // disposed right after it returns).
        if (!_loads.TryEnter())
        {
            ObjectDisposedException.ThrowIf(true, this);
        }

        try
        {
            return await PrefetchOptionsCoreAsync(url, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _loads.Exit();
        }
    }

    private async Task<ImageLoadOptions?> PrefetchOptionsCoreAsync(Uri url, ImageLoadOptions options, CancellationToken cancellationToken)
    {
        // Under the variant these options decode (a thumbnail, say) in memory, as the load itself would look.
        var key = CacheKeyFor(url, options);
        var found = await CacheTasks.Checked(Cache.ContainsAsync(key, options.CacheType, DecodeOptionsFor(url, options), cancellationToken), Cache).ConfigureAwait(false);
        if (found == ImageCacheType.None)
        {
            return options;
        }

        // A background store found waiting is on its way to the disk; one that has landed since the first look (it is no
        // longer waiting then) is found by the second.
        if (found.HasFlag(ImageCacheType.Disk) || !await StoresOnDiskAsync(url, options, cancellationToken).ConfigureAwait(false)
            || await IsStoringOnDiskAsync(key, cancellationToken).ConfigureAwait(false)
            || await CacheTasks.Checked(Cache.ContainsAsync(key, ImageCacheType.Disk, cancellationToken: cancellationToken), Cache).ConfigureAwait(false) != ImageCacheType.None)
        {
            return null;
        }

        // Cache-only options cannot go to the network for the disk copy: the memory copy is all they can have.
        return options.FromCacheOnly ? null : options with { FromNetworkOnly = true };
    }

    // Whether the bytes of key wait for their background disk store (see StoreOriginalAsync): a load has just returned,
    // and they land shortly, or when the manager is disposed.
    private async Task<bool> IsStoringOnDiskAsync(string key, CancellationToken cancellationToken) =>
        Cache is ImageCache cache && await cache.DiskAsync(cancellationToken).ConfigureAwait(false) is { } disk && disk.PendingStores.Pending(key) is not null;

    /// <summary>
    /// Whether a load of <paramref name="url"/> with <paramref name="options"/> stores the image's bytes on disk: its cache
    /// types include the disk, the cache has a disk tier (an <see cref="ImageCache"/> without one does not; another
    /// <see cref="IImageCache"/> is given the bytes), and its loader is not the file or data loader, whose bytes are never
    /// copied to disk. A custom loader's responses may still keep theirs off the disk
    /// (<see cref="ImageLoaderResponse.StoreOnDisk"/>): that is known only once loaded.
    /// </summary>
    private async Task<bool> StoresOnDiskAsync(Uri url, ImageLoadOptions options, CancellationToken cancellationToken) =>
        options.CacheType.HasFlag(ImageCacheType.Disk)
        && (Cache is not ImageCache cache || await cache.DiskAsync(cancellationToken).ConfigureAwait(false) is not null)
        && Loaders.Find(url) is not (FileImageLoader or DataUrlImageLoader);
}
