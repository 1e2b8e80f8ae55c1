using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;

namespace ImageKit;

public sealed partial class ImageManager
{
    private readonly InFlightLoads _inFlightLoads = new();
    private readonly LoadGate _loads = new();
    private readonly BackgroundStores _diskStores;

    /// <summary>
    /// How many disk stores that ran after their load returned have failed (a full or read-only disk, for example). The
    /// load itself succeeded and the image is in the memory cache; only the disk copy is missing.
    /// </summary>
    /// <remarks>Thread-safe. <see cref="LastDiskStoreFailure"/> holds the latest exception.</remarks>
    public long FailedDiskStores => _diskStores.Failures;

    /// <summary>The exception of the latest failed background disk store, or <see langword="null"/> when none has failed.</summary>
    public Exception? LastDiskStoreFailure => _diskStores.LastFailure;

    /// <summary>
    /// Completes when every disk store started by a load before this call has finished. Loads return once the image is
    /// decoded and in the memory cache; their encoded bytes reach the disk cache in the background (unless
    /// <see cref="ImageLoadOptions.WaitForDiskStore"/> is set): small ones several at a time, sharing index transactions,
    /// and those that need a file of their own one at a time; while more than 64 MiB of encoded bytes wait
    /// for the disk, a load waits for its own store. Disposing the manager waits for them too.
    /// </summary>
    /// <remarks>Thread-safe. Never throws for a failed store: see <see cref="FailedDiskStores"/>.</remarks>
    /// <param name="cancellationToken">Stops the wait (not the stores).</param>
    public Task WaitForDiskStoresAsync(CancellationToken cancellationToken = default) => _diskStores.WhenIdleAsync(cancellationToken);

    private async Task StoreAsync(string key, AnimatedImage image, ReadOnlyMemory<byte> data, DiskCacheMetadata metadata, ImageCacheType storeTo, ImageLoadOptions options, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken)
    {
        if (options.WaitForDiskStore && storeTo.HasFlag(ImageCacheType.Disk) && !data.IsEmpty)
        {
            // The disk first, the memory last: a load cancelled (or failing) while its disk store runs stores nothing,
            // where a memory tier written first kept the image of a load that threw. Once the disk holds the entry the
            // load is done, and a cancellation no longer ends it: the transformed copy's store, only a shortcut for later
            // loads, is then skipped (they transform the original again), and the memory store cannot be cancelled.
            await StoreOrUndoAsync(key, image: null, data, metadata, ImageCacheType.Disk, decodeOptions, cancellationToken).ConfigureAwait(false);
            if (StoresVariant(image, data.Length, options, decodeOptions))
            {
                try
                {
                    await StoreTransformedAsync(key, image, DiskVariant.Identify(data.Span), metadata, options, decodeOptions, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Nor does its failure (a full disk) end the load: the image was obtained and its bytes stored, as
                    // without transformers. Later loads transform the original again.
                    LogDiskStoreFailure(DiskVariant.KeyFor(key, decodeOptions), e);
                }
            }

            await StoreOrUndoAsync(key, image, default, metadata, storeTo & ~ImageCacheType.Disk, decodeOptions, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        await StoreOriginalAsync(key, image, data, metadata, storeTo, decodeOptions, cancellationToken).ConfigureAwait(false);
        if (storeTo.HasFlag(ImageCacheType.Disk) && !data.IsEmpty && StoresVariant(image, data.Length, options, decodeOptions))
        {
            // Only for a result that will be stored: the checksum reads every byte of the body.
            await StoreTransformedAsync(key, image, DiskVariant.Identify(data.Span), metadata, options, decodeOptions, cancellationToken).ConfigureAwait(false);
        }
    }

    // Whether a load with these options stores its result beside an original of originalSize bytes (see DiskVariant).
    private bool StoresVariant(AnimatedImage image, long originalSize, ImageLoadOptions options, ImageDecodeOptions decodeOptions) =>
        options.StoreTransformedOnDisk && Cache is ImageCache { Disk: not null } && DiskVariant.Applies(decodeOptions) && DiskVariant.WorthStoring(image, originalSize);

    /// <summary>
    /// Stores a transformed still on disk beside the original bytes <paramref name="original"/> names (see
    /// <see cref="DiskVariant"/>), in the background like the original's store unless the load waits for its stores.
    /// </summary>
    private async Task StoreTransformedAsync(string key, AnimatedImage image, (long Size, long Checksum) original, DiskCacheMetadata? metadata, ImageLoadOptions options, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken)
    {
        if (!StoresVariant(image, original.Size, options, decodeOptions) || Cache is not ImageCache { Disk: { } disk } cache)
        {
            return;
        }

        if (options.WaitForDiskStore)
        {
            await cache.StoreVariantAsync(key, image, decodeOptions, original, metadata, cancellationToken).ConfigureAwait(false);
            return;
        }

        // The store encodes the pixels when it runs (after the burst of loads, like every background store): it keeps the
        // image until then, whatever the memory cache does with it. Lossless WebP is about half the pixels' size.
        var lease = image.AcquireLease();
        var estimate = image.FrameByteCount / 2;
        var deferred = disk.PendingStores.Register(key);
        var store = _diskStores.TryStart(
            () => StoreVariantOnDiskAsync(cache, deferred, key, lease, decodeOptions, original, metadata),
            estimate,
            disk.StoresInline(estimate),
            out var mustWait);
        if (store is null)
        {
            // The manager is closing: nothing more is stored.
            deferred.End();
            lease.Dispose();
        }
        else if (mustWait)
        {
            await store.ConfigureAwait(false);
        }
    }

    // Releases the lease whether the store runs or a removal or a clear cancelled it.
    private async Task StoreVariantOnDiskAsync(ImageCache cache, PendingDiskStores.Store deferred, string key, ImageLease lease, ImageDecodeOptions decodeOptions, (long Size, long Checksum) original, DiskCacheMetadata? metadata)
    {
        try
        {
            await ImageCache.StoreDeferredAsync(deferred, () => cache.StoreVariantAsync(key, lease.Image, decodeOptions, original, metadata, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (Exception e) when (LogDiskStoreFailure(key, e))
        {
            throw; // never reached: the filter only logs; BackgroundStores counts and keeps the failure
        }
        finally
        {
            lease.Dispose();
        }
    }

    private async Task StoreOriginalAsync(string key, AnimatedImage image, ReadOnlyMemory<byte> data, DiskCacheMetadata metadata, ImageCacheType storeTo, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken)
    {
        // A load that waits for its disk store does not come here (see StoreAsync: the disk first, the memory last).
        if (!storeTo.HasFlag(ImageCacheType.Disk) || data.IsEmpty)
        {
            await StoreOrUndoAsync(key, image, data, metadata, storeTo, decodeOptions, cancellationToken).ConfigureAwait(false);
            return;
        }

        // The disk write (a file, a flush, an index row) costs more than the download and decode of a small image on a
        // fast network; the caller does not need it to have landed. The buffer is the loader's and is never reused.
        await StoreOrUndoAsync(key, image, data, metadata, storeTo & ~ImageCacheType.Disk, decodeOptions, cancellationToken).ConfigureAwait(false);
        if (Cache is ImageCacheChain chain)
        {
            await DeferThroughChainAsync(chain, key, data, metadata, decodeOptions).ConfigureAwait(false);
            return;
        }

        // Registered with the disk tier so that a removal or a clear before it lands cancels it (see PendingDiskStores);
        // meanwhile a disk query reads these bytes. Awaited, not cancelled (as for a chain below): the memory holds the image
        // already. LoadFromSourceAsync has awaited the opening, so this completes at once.
        var disk = Cache is ImageCache imageCache ? await imageCache.DiskAsync(CancellationToken.None).ConfigureAwait(false) : null;
        var inline = disk?.StoresInline(data.Length) == true;
        var deferred = disk?.PendingStores.Register(key, data, metadata);
        var store = _diskStores.TryStart(
            () => ImageCache.StoreDeferredAsync(deferred, () => StoreOnDiskAsync(Cache, key, data, deferred?.Metadata ?? metadata, decodeOptions)), // a 304 meanwhile may have replaced the metadata
            data.Length,
            inline,
            out var mustWait);
        if (store is null)
        {
            deferred?.End(); // the manager is closing: nothing more is stored
        }
        else if (mustWait)
        {
            // Back-pressure: a network faster than the disk must not pile up encoded bytes in memory without limit.
            await store.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <see cref="StoreOriginalAsync"/>'s deferred disk store through a chain: one store per cache the chain's store policy
    /// reaches, each registered with its own disk tier when it is an <see cref="ImageCache"/> with one, so that a removal,
    /// a clear or a newer write of the key through the chain or through that cache alone cancels or outranks it there,
    /// and the chain's queries read the waiting bytes, as with the manager's own <see cref="ImageCache"/>.
    /// </summary>
    private async Task DeferThroughChainAsync(ImageCacheChain chain, string key, ReadOnlyMemory<byte> data, DiskCacheMetadata metadata, ImageDecodeOptions decodeOptions)
    {
        // Each member's disk tier awaited, never read with ImageCache.Disk: one opening in the background would block the
        // load's thread until its index opens. Not cancelled: the memory tiers hold the image already, and a load is not
        // cancelled once its stores have begun landing (the wait ends when the index opens or its opening gives up).
        var targets = new List<(IImageCache Cache, DiskImageCache? Disk)>();
        foreach (var target in ImageCache.StoreTargets(chain))
        {
            if (target is not ImageCache member)
            {
                targets.Add((target, null));
            }
            else if (await member.DiskAsync(CancellationToken.None).ConfigureAwait(false) is { } disk)
            {
                targets.Add((member, disk)); // a member without a disk tier stores nothing on a disk
            }
        }

        if (targets.Count == 0)
        {
            return; // only memory-only members: nothing goes to a disk
        }

        var registrations = new PendingDiskStores.Store?[targets.Count];
        var inline = false;
        var fileStore = false;
        for (var i = 0; i < targets.Count; i++)
        {
            if (targets[i].Disk is { } disk)
            {
                registrations[i] = disk.PendingStores.Register(key, data, metadata);
                inline |= disk.StoresInline(data.Length);
                fileStore |= !disk.StoresInline(data.Length);
            }
        }

        var store = _diskStores.TryStart(
            () => Task.WhenAll(targets.Select((target, i) => ImageCache.StoreDeferredAsync(registrations[i], () => StoreOnDiskAsync(target.Cache, key, data, registrations[i]?.Metadata ?? metadata, decodeOptions)))),
            data.Length,
            inline && !fileStore, // a store that writes a file anywhere runs with the file stores, one at a time
            out var mustWait);
        if (store is null)
        {
            foreach (var registration in registrations)
            {
                registration?.End(); // the manager is closing: nothing more is stored
            }
        }
        else if (mustWait)
        {
            await store.ConfigureAwait(false);
        }
    }

    private async Task StoreOnDiskAsync(IImageCache cache, string key, ReadOnlyMemory<byte> data, DiskCacheMetadata metadata, ImageDecodeOptions decodeOptions)
    {
        try
        {
            await CacheTasks.Checked(cache.StoreAsync(key, image: null, data, metadata, ImageCacheType.Disk, decodeOptions, CancellationToken.None), cache).ConfigureAwait(false);
        }
        catch (Exception e) when (LogDiskStoreFailure(key, e))
        {
            throw; // never reached: the filter only logs; BackgroundStores counts and keeps the failure
        }
    }

    // A load's own store. When it fails, the load fails, and nothing of it may stay (README: nothing that failed is
    // stored); but a chain stores to every member, so the members that did not fail would keep the image of a load that
    // threw. What they stored is removed again (a removal failing too changes nothing: the store's exception is the one).
    private async Task StoreOrUndoAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> data, DiskCacheMetadata metadata, ImageCacheType storeTo, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken)
    {
        try
        {
            await CacheTasks.Checked(Cache.StoreAsync(key, image, data, metadata, storeTo, decodeOptions, cancellationToken), Cache).ConfigureAwait(false);
        }
        catch (Exception) when (Cache is ImageCacheChain chain && storeTo != ImageCacheType.None)
        {
            try
            {
                await chain.RemoveAsync(key, storeTo, decodeOptions, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogDiskStoreFailure(key, e);
            }

            throw;
        }
    }

    private bool LogDiskStoreFailure(string key, Exception e)
    {
        // The message may come from an app's cache, which can name the key it was given (by default the URL): not its secrets.
        Log.DiskStoreFailed(_logger, new UrlText.LoggedKey(key), UrlText.HideKeyIn(e.Message, key));
        return false;
    }
}
