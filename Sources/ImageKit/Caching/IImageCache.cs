using ImageKit.Decoding;

namespace ImageKit.Caching;

/// <summary>
/// A cache of images by key, with a memory tier (decoded images) and a disk tier (encoded bytes): what
/// <see cref="ImageManager"/> consults before the network. <see cref="ImageCache"/> is the built-in one;
/// <see cref="ImageCacheChain"/> chains several.
/// </summary>
/// <remarks>
/// Keys name the encoded image (usually its URL). Decoding options that change the decoded result (first frame only,
/// scale-down, frame durations) select a variant in memory; the disk holds one entry per key whatever the variant (the
/// built-in <see cref="ImageCache"/> adds the result of a transformed still beside it, see
/// <see cref="ImageLoadOptions.StoreTransformedOnDisk"/>).
/// Implementations are thread-safe.
/// </remarks>
public interface IImageCache
{
    /// <summary>Looks <paramref name="key"/> up in the given tiers, memory first; a disk hit is decoded and fills the memory tier.</summary>
    /// <returns>The hit, owned by the caller (dispose it), or <see langword="null"/> on a miss.</returns>
    Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the disk tier's entry for <paramref name="key"/>: its encoded bytes and their metadata, without decoding them
    /// (nor filling the memory tier).
    /// </summary>
    /// <returns>
    /// The entry, or <see langword="null"/> when the disk tier does not hold <paramref name="key"/>. Its
    /// <see cref="DiskCacheEntry.Data"/> must be the bytes stored, not left empty: <see cref="ImageManager"/> sends the
    /// metadata's validators on a <see cref="ImageLoadOptions.RefreshCached"/> load and decodes these bytes when the server
    /// answers 304 Not Modified, compares them with newly loaded bytes to tell whether the image changed, and returns them as
    /// <see cref="ImageLoadResult.EncodedData"/> when the memory tier holds pixels only.
    /// </returns>
    Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="image"/> in memory (under the variant of <paramref name="decodeOptions"/>) and
    /// <paramref name="encodedData"/> with <paramref name="metadata"/> on disk, as <paramref name="cacheType"/> says. Either
    /// may be absent (null image, empty data), and is then not stored.
    /// </summary>
    Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces the disk entry's metadata (for example new validators after an HTTP 304); false if there is no entry.</summary>
    Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="key"/> (the memory variant of <paramref name="decodeOptions"/>) from the given tiers.</summary>
    Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default);

    /// <summary>Returns the tiers that hold <paramref name="key"/> (<see cref="ImageCacheType.None"/> if none), without counting a lookup.</summary>
    Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default);

    /// <summary>Empties the given tiers.</summary>
    Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default);
}
