using ImageKit.Caching.Internal;
using ImageKit.Decoding;

namespace ImageKit.Caching;

/// <summary>
/// The built-in <see cref="IImageCache"/> (the counterpart of SDWebImage's <c>SDImageCache</c>): a
/// <see cref="MemoryImageCache"/> of decoded images in front of an optional <see cref="DiskImageCache"/> of encoded bytes.
/// </summary>
/// <remarks>
/// Thread-safe. Disk hits are decoded with the configured registry (headers only: frames decode lazily) and fill the memory
/// tier. The cache owns the tiers it creates from options and disposes them; tiers passed in are the caller's.
/// </remarks>
public sealed class ImageCache : IImageCache, IDisposable, IAsyncDisposable
{
    private readonly ImageDecoderRegistry _decoders;
    private readonly bool _ownsTiers;

    /// <summary>Creates the tiers <paramref name="options"/> describe (memory only unless <see cref="ImageCacheOptions.Disk"/> is set).</summary>
    public ImageCache(ImageCacheOptions? options = null)
    {
        options ??= new ImageCacheOptions();
        Memory = new MemoryImageCache(options.Memory);
        try
        {
            Disk = options.Disk is null ? null : new DiskImageCache(options.Disk);
        }
        catch
        {
            Memory.Dispose();
            throw;
        }

        _decoders = options.Decoders ?? ImageDecoderRegistry.Default;
        _ownsTiers = true;
    }

    /// <summary>Wraps existing tiers; the caller keeps ownership of them.</summary>
    public ImageCache(MemoryImageCache memory, DiskImageCache? disk, ImageDecoderRegistry? decoders = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Memory = memory;
        Disk = disk;
        _decoders = decoders ?? ImageDecoderRegistry.Default;
    }

    /// <summary>The memory tier.</summary>
    public MemoryImageCache Memory { get; }

    /// <summary>The disk tier, or <see langword="null"/> when the cache has none.</summary>
    public DiskImageCache? Disk { get; }

    /// <inheritdoc/>
    public async Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var memoryKey = MemoryCacheKey.For(key, decodeOptions);
        if (cacheType.HasFlag(ImageCacheType.Memory) && Memory.TryGet(memoryKey, out var lease))
        {
            return new ImageCacheResult(lease, ImageCacheType.Memory, metadata: null);
        }

        if (!cacheType.HasFlag(ImageCacheType.Disk) || Disk is null)
        {
            return null;
        }

        var entry = await Disk.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        AnimatedImage image;
        try
        {
            image = _decoders.Decode(entry.Data, (decodeOptions ?? ImageDecodeOptions.Default) with { SourceName = entry.Metadata.OriginalUrl?.ToString() ?? key });
        }
        catch (ImageKitException)
        {
            // Bytes that no longer decode (a decoder removed, a limit lowered) are useless: drop them, report a miss.
            await Disk.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            return null;
        }

        using (image)
        {
            if (cacheType.HasFlag(ImageCacheType.Memory))
            {
                Memory.Set(memoryKey, image);
            }

            return new ImageCacheResult(image.AcquireLease(), ImageCacheType.Disk, entry.Metadata);
        }
    }

    /// <inheritdoc/>
    public Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) =>
        Disk is null ? Task.FromResult<DiskCacheEntry?>(null) : Disk.GetAsync(key, cancellationToken);

    /// <inheritdoc/>
    public async Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (image is not null && cacheType.HasFlag(ImageCacheType.Memory))
        {
            Memory.Set(MemoryCacheKey.For(key, decodeOptions), image);
        }

        if (!encodedData.IsEmpty && cacheType.HasFlag(ImageCacheType.Disk) && Disk is not null)
        {
            await Disk.SetAsync(key, encodedData, metadata, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) =>
        Disk is null ? Task.FromResult(false) : Disk.UpdateMetadataAsync(key, metadata, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var removed = cacheType.HasFlag(ImageCacheType.Memory) && Memory.Remove(MemoryCacheKey.For(key, decodeOptions));
        if (cacheType.HasFlag(ImageCacheType.Disk) && Disk is not null)
        {
            removed |= await Disk.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        }

        return removed;
    }

    /// <inheritdoc/>
    public async Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var found = ImageCacheType.None;
        if (cacheType.HasFlag(ImageCacheType.Memory) && Memory.Contains(MemoryCacheKey.For(key, decodeOptions)))
        {
            found |= ImageCacheType.Memory;
        }

        if (cacheType.HasFlag(ImageCacheType.Disk) && Disk is not null && await Disk.ContainsAsync(key, cancellationToken).ConfigureAwait(false))
        {
            found |= ImageCacheType.Disk;
        }

        return found;
    }

    /// <inheritdoc/>
    public async Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default)
    {
        if (cacheType.HasFlag(ImageCacheType.Memory))
        {
            Memory.Clear();
        }

        if (cacheType.HasFlag(ImageCacheType.Disk) && Disk is not null)
        {
            await Disk.ClearAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Disposes the tiers this cache created. Idempotent.</summary>
    public void Dispose()
    {
        if (_ownsTiers)
        {
            Memory.Dispose();
            Disk?.Dispose();
        }
    }

    /// <summary>Disposes the tiers this cache created, the disk tier asynchronously. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownsTiers)
        {
            Memory.Dispose();
            if (Disk is not null)
            {
                await Disk.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
