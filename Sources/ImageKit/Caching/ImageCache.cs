using System.Diagnostics.Metrics;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Diagnostics;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;
using Microsoft.Extensions.Logging;

namespace ImageKit.Caching;

/// <summary>
/// The built-in <see cref="IImageCache"/> (the counterpart of SDWebImage's <c>SDImageCache</c>): a
/// <see cref="MemoryImageCache"/> of decoded images in front of an optional <see cref="DiskImageCache"/> of encoded bytes.
/// </summary>
/// <remarks>
/// Thread-safe. Disk hits are decoded with the configured registry (headers only: frames decode lazily) and fill the memory
/// tier. A query with transformers first looks for the transformed still stored beside the original
/// (<see cref="ImageLoadOptions.StoreTransformedOnDisk"/>), and uses it only if it was made from the original bytes on
/// disk now. The cache owns the tiers it creates from options and disposes them; tiers passed in are the caller's.
/// A key holding the control character U+001F, which separates a key from its variants' decode options, is refused with an
/// <see cref="ArgumentException"/> by every method that takes a key (it could be another key's variant), as
/// <see cref="ImageLoadOptions.CacheKey"/> refuses it.
/// </remarks>
public sealed partial class ImageCache : IImageCache, IDisposable, IAsyncDisposable
{
    private static readonly KeyValuePair<string, object?> s_memoryTier = new(TagNames.CacheTier, "memory");
    private static readonly KeyValuePair<string, object?> s_diskTier = new(TagNames.CacheTier, "disk");
    private readonly ImageDecoderRegistry _decoders;
    private readonly bool _ownsTiers;
    private readonly ILogger _logger;
    private readonly ImageKitMetrics _metrics;

    // The disk tier (null: none): complete from the start when opened in the constructor or given; with
    // ImageCacheOptions.OpenDiskInBackground, opening on the thread pool, and null when the folder could not be used (it
    // never faults for that, see OpenQuietly).
    private readonly Task<DiskImageCache?> _disk;

    /// <summary>Creates the tiers <paramref name="options"/> describe (memory only unless <see cref="ImageCacheOptions.Disk"/> is set).</summary>
    public ImageCache(ImageCacheOptions? options = null)
    {
        options ??= new ImageCacheOptions();

        // Logger and meter first: if the app's factories throw, no tier has been opened yet to leak.
        _logger = CreateLogger(options.LoggerFactory);
        _metrics = ImageKitMetrics.For(options.MeterFactory);
        _decoders = options.Decoders ?? ImageDecoderRegistry.Default;
        Memory = new MemoryImageCache(options.Memory);
        try
        {
            if (options.Disk is { } disk && options.OpenDiskInBackground)
            {
                // Settings out of range are the app's mistake and still thrown here; a copy, as the app may change its object.
                disk.Validate();
                var (settings, logger) = (disk.Clone(), _logger);
                _disk = Task.Run(() => OpenQuietly(settings, logger));
            }
            else
            {
                var opened = options.Disk is null ? null : new DiskImageCache(options.Disk);
                opened?.Logger = _logger;
                _disk = Task.FromResult(opened);
            }
        }
        catch
        {
            Memory.Dispose();
            throw;
        }

        _ownsTiers = true;
        Memory.Logger = _logger;
    }

    /// <summary>Wraps existing tiers; the caller keeps ownership of them.</summary>
    /// <param name="memory">The memory tier.</param>
    /// <param name="disk">The disk tier, or <see langword="null"/> for none.</param>
    /// <param name="decoders">Decoders of disk hits. <see langword="null"/>: <see cref="ImageDecoderRegistry.Default"/>.</param>
    /// <param name="loggerFactory">Where the cache logs (category <c>ImageKit.Caching</c>); <see langword="null"/>: nowhere. The tiers keep their own loggers.</param>
    /// <param name="meterFactory">Creates the meter of hits and misses; <see langword="null"/>: the process-wide <c>ImageKit</c> meter.</param>
    public ImageCache(MemoryImageCache memory, DiskImageCache? disk, ImageDecoderRegistry? decoders = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Memory = memory;
        _disk = Task.FromResult(disk);
        _decoders = decoders ?? ImageDecoderRegistry.Default;
        _logger = CreateLogger(loggerFactory);
        _metrics = ImageKitMetrics.For(meterFactory);
    }

    /// <summary>The memory tier.</summary>
    public MemoryImageCache Memory { get; }

    /// <summary>
    /// The disk tier, or <see langword="null"/> when the cache has none. When it opens in the background
    /// (<see cref="ImageCacheOptions.OpenDiskInBackground"/>), this waits until it has opened, and is <see langword="null"/>
    /// also when its folder could not be used.
    /// </summary>
    public DiskImageCache? Disk => _disk.GetAwaiter().GetResult();

    // Null, or holding the separator of variants (MemoryCacheKey): such a key could be another key's variant, answer its
    // queries and be dropped by its refresh (RemoveVariantsOf).
    private static void ThrowIfNotAKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!MemoryCacheKey.IsVariantFree(key))
        {
            throw new ArgumentException("The key holds the control character U+001F; ImageKit keeps it for the variants of a key.", nameof(key));
        }
    }

    /// <inheritdoc/>
    public async Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        ThrowIfNotAKey(key);
        var memoryKey = MemoryCacheKey.For(key, decodeOptions);
        if (cacheType.HasFlag(ImageCacheType.Memory))
        {
            if (Memory.TryGet(memoryKey, out var lease))
            {
                Contained.Add(_metrics.CacheHits, 1, s_memoryTier);
                return new ImageCacheResult(lease, ImageCacheType.Memory, metadata: null);
            }

            Contained.Add(_metrics.CacheMisses, 1, s_memoryTier);
        }

        // After the memory tier, which throws itself once disposed: a memory hit pays for no other check.
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!cacheType.HasFlag(ImageCacheType.Disk) || await DiskAsync(cancellationToken).ConfigureAwait(false) is not { } disk)
        {
            return null;
        }

        // Taken before the disk is read: a store, removal or clear of the key after it is newer than the bytes read, and
        // the hit then leaves the memory tier as that made it.
        var fillStamp = cacheType.HasFlag(ImageCacheType.Memory) ? Memory.FillStamp(memoryKey) : (long?)null;
        if (DiskVariant.Applies(decodeOptions)
            && await QueryStoredVariantAsync(disk, key, memoryKey, fillStamp, decodeOptions!.Limits, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return stored;
        }

        // The bytes of a store still to land first: asked after the disk, a store that landed in between would be missed
        // by both.
        var entry = PendingEntry(disk, key) ?? await disk.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            Contained.Add(_metrics.CacheMisses, 1, s_diskTier);
            return null;
        }

        AnimatedImage image;
        try
        {
            image = _decoders.Decode(entry.Data, (decodeOptions ?? ImageDecodeOptions.Default) with { SourceName = SourceNameOf(entry, key) });
        }
        catch (ImageKitException e) when (e is not Transforming.ImageTransformException and not ImageLimitExceededException { ByTransformers: true })
        {
            // Bytes that no longer decode (a decoder removed, a limit lowered) are useless: drop them, report a miss. A
            // transformer refusing the image, or making more of it than the limits allow, is no fault of the bytes: that
            // propagates, and the entry stays.
            Log.UndecodableCacheEntryRemoved(_logger, new UrlText.LoggedKey(key), e.Message);
            Contained.Add(_metrics.CacheMisses, 1, s_diskTier);
            await RemoveUndecodableAsync(disk, key, entry.Data, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (StillVariant.Applies(image))
        {
            // A smaller or transformed still enters the memory cache as its pixels alone (see StillVariant): decoding them
            // takes milliseconds, so never on the caller's thread (a disk read that completed synchronously returns here
            // on it).
            var variant = image;
            try
            {
                image = await Task.Run(() => StillVariant.KeepAsPixels(variant), cancellationToken).ConfigureAwait(false);
            }
            catch (ImageDecodingException e)
            {
                // Headers that decode over pixels that do not (a truncated entry) are as useless as the above.
                Log.UndecodableCacheEntryRemoved(_logger, new UrlText.LoggedKey(key), e.Message);
                Contained.Add(_metrics.CacheMisses, 1, s_diskTier);
                await RemoveUndecodableAsync(disk, key, entry.Data, cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (OperationCanceledException)
            {
                // Cancelled before the task ran: the variant was never handed over.
                variant.Dispose();
                throw;
            }
        }

        Contained.Add(_metrics.CacheHits, 1, s_diskTier);
        using (image)
        {
            if (fillStamp is { } stamp)
            {
                Memory.Fill(memoryKey, image, stamp);
            }

            return new ImageCacheResult(image.AcquireLease(), ImageCacheType.Disk, entry.Metadata)
            {
                // Read by the manager to store the result: only hashed when the result would be worth storing.
                TransformedFrom = DiskVariant.Applies(decodeOptions) && DiskVariant.WorthStoring(image, entry.Data.Length) ? DiskVariant.Identify(entry.Data) : null,
            };
        }
    }

    /// <inheritdoc/>
    public async Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default)
    {
        ThrowIfNotAKey(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return await DiskAsync(cancellationToken).ConfigureAwait(false) is { } disk
            ? PendingEntry(disk, key) ?? await disk.GetAsync(key, cancellationToken).ConfigureAwait(false) // a store still to land counts as on disk
            : null;
    }

    /// <inheritdoc/>
    public async Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        ThrowIfNotAKey(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (image is not null && cacheType.HasFlag(ImageCacheType.Memory))
        {
            Memory.Set(MemoryCacheKey.For(key, decodeOptions), image);
        }

        if (!encodedData.IsEmpty && cacheType.HasFlag(ImageCacheType.Disk) && await DiskAsync(cancellationToken).ConfigureAwait(false) is { } disk)
        {
            // The new bytes outdate what disk hits in flight read: the images they decode from the old ones (any variant)
            // must not fill the memory tier, where they would hide the new bytes (a disk-only store leaves it alone).
            Memory.BeginBytesStore(key);
            try
            {
                await disk.SetAsync(key, encodedData, metadata, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Memory.EndBytesStore(key);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default)
    {
        ThrowIfNotAKey(key);
        ArgumentNullException.ThrowIfNull(metadata);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return await DiskAsync(cancellationToken).ConfigureAwait(false) is { } disk && await disk.UpdateMetadataAsync(key, metadata, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        ThrowIfNotAKey(key);
        if (_disposed)
        {
            return false; // an empty cache (see Dispose)
        }

        var removed = cacheType.HasFlag(ImageCacheType.Memory) && Memory.Remove(MemoryCacheKey.For(key, decodeOptions));
        try
        {
            if (cacheType.HasFlag(ImageCacheType.Disk) && await DiskAsync(cancellationToken).ConfigureAwait(false) is { } disk)
            {
                // Cancels the stores still to come of bytes loaded before this removal, which would bring the entry back.
                removed |= await disk.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
                if (DiskVariant.Applies(decodeOptions))
                {
                    removed |= await disk.RemoveAsync(DiskVariant.KeyFor(key, decodeOptions!), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (ObjectDisposedException) when (_disposed)
        {
            // Disposed meanwhile: what was not removed is gone with the cache.
        }

        return removed;
    }

    /// <inheritdoc/>
    public async Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        ThrowIfNotAKey(key);
        var found = ImageCacheType.None;
        if (_disposed)
        {
            return found; // an empty cache (see Dispose)
        }

        if (cacheType.HasFlag(ImageCacheType.Memory) && Memory.Contains(MemoryCacheKey.For(key, decodeOptions)))
        {
            found |= ImageCacheType.Memory;
        }

        try
        {
            if (cacheType.HasFlag(ImageCacheType.Disk) && await DiskAsync(cancellationToken).ConfigureAwait(false) is { } disk
                && (disk.PendingStores.Pending(key) is not null || await disk.ContainsAsync(key, cancellationToken).ConfigureAwait(false)))
            {
                found |= ImageCacheType.Disk;
            }
        }
        catch (ObjectDisposedException) when (_disposed)
        {
            return ImageCacheType.None;
        }

        return found;
    }

    /// <inheritdoc/>
    public async Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default)
    {
        if (_disposed)
        {
            return; // an empty cache (see Dispose)
        }

        if (cacheType.HasFlag(ImageCacheType.Memory))
        {
            Memory.Clear();
        }

        try
        {
            if (cacheType.HasFlag(ImageCacheType.Disk) && await DiskAsync(cancellationToken).ConfigureAwait(false) is { } disk)
            {
                // Cancels the stores still to come of images loaded before the clear, which would refill it.
                await disk.ClearAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ObjectDisposedException) when (_disposed)
        {
            // Disposed meanwhile: nothing is left to clear.
        }
    }

    /// <summary>The disk tier, waiting for it while it opens in the background; synchronous once it has.</summary>
    internal ValueTask<DiskImageCache?> DiskAsync(CancellationToken cancellationToken) =>
        _disk.IsCompletedSuccessfully ? ValueTask.FromResult(_disk.Result) : new ValueTask<DiskImageCache?>(_disk.WaitAsync(cancellationToken));

    // Runs on the thread pool: a folder that cannot be used leaves the cache working from memory, as the option promises.
    // What a disk entry's decode failures name: its URL as the load gave it (see UrlText), else its key.
    // Without an original URL (stored through StoreAsync itself), the key, which may be the URL: its secrets hidden.
    private static string SourceNameOf(DiskCacheEntry entry, string key) =>
        entry.Metadata.OriginalUrl is { } url ? UrlText.Describe(url) : new UrlText.LoggedKey(key).ToString();

    private static DiskImageCache? OpenQuietly(DiskImageCacheOptions options, ILogger logger)
    {
        try
        {
            var disk = new DiskImageCache(options);
            disk.Logger = logger;
            return disk;
        }
        catch (DiskCacheException e)
        {
            Log.DiskTierUnavailable(logger, options.Directory, e.Message);
            System.Diagnostics.Trace.TraceWarning($"ImageKit: the disk cache in {options.Directory} could not be opened; caching in memory only: {e.Message}");
            return null;
        }
    }

    private static ILogger CreateLogger(ILoggerFactory? loggerFactory) =>
        ContainedLogger.Create(loggerFactory, ImageKitDiagnostics.CachingCategory);
}
