using ImageKit.Caching;
using ImageKit.Decoding;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// The base of the tests' <see cref="IImageCache"/> fakes: every member passes its call to <see cref="Inner"/> as is, or
/// answers as an empty cache when there is none (a miss, <see cref="ImageCacheType.None"/>, false, a completed task). A
/// fake overrides only the members it changes.
/// </summary>
internal abstract class ForwardingImageCache : IImageCache
{
    /// <summary>Starts a cache that forwards to <paramref name="inner"/>, or holds nothing when it is <see langword="null"/>.</summary>
    protected ForwardingImageCache(IImageCache? inner) => Inner = inner;

    /// <summary>The cache the members forward to; <see langword="null"/> for an empty cache.</summary>
    protected IImageCache? Inner { get; }

    public virtual Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        Inner is null ? Task.FromResult<ImageCacheResult?>(null) : Inner.QueryAsync(key, cacheType, decodeOptions, cancellationToken);

    public virtual Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) =>
        Inner is null ? Task.FromResult<DiskCacheEntry?>(null) : Inner.GetEncodedAsync(key, cancellationToken);

    public virtual Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        Inner is null ? Task.CompletedTask : Inner.StoreAsync(key, image, encodedData, metadata, cacheType, decodeOptions, cancellationToken);

    public virtual Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) =>
        Inner is null ? Task.FromResult(false) : Inner.UpdateMetadataAsync(key, metadata, cancellationToken);

    public virtual Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        Inner is null ? Task.FromResult(false) : Inner.RemoveAsync(key, cacheType, decodeOptions, cancellationToken);

    public virtual Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
        Inner is null ? Task.FromResult(ImageCacheType.None) : Inner.ContainsAsync(key, cacheType, decodeOptions, cancellationToken);

    public virtual Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) =>
        Inner is null ? Task.CompletedTask : Inner.ClearAsync(cacheType, cancellationToken);
}
