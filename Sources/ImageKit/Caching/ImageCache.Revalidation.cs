using ImageKit.Caching.Internal;
using ImageKit.Decoding;

namespace ImageKit.Caching;

public sealed partial class ImageCache
{
    /// <summary>
    /// Replaces the disk metadata of <paramref name="key"/> after a server confirmed the bytes <paramref name="revalidated"/>
    /// (an HTTP 304), only where the entry still holds those bytes: another cache on the folder (another process) may have
    /// stored a different version meanwhile, which must keep its own validators. A cache that is neither an
    /// <see cref="ImageCache"/> nor an <see cref="ImageCacheChain"/> of them cannot tell: its
    /// <see cref="IImageCache.UpdateMetadataAsync"/> is called.
    /// </summary>
    /// <returns>Whether an entry was updated.</returns>
    internal static Task<bool> UpdateRevalidatedAsync(
        IImageCache cache, string key, DiskCacheMetadata metadata, ReadOnlyMemory<byte> revalidated, CancellationToken cancellationToken) => cache switch
    {
        ImageCache imageCache => imageCache.UpdateRevalidatedAsync(key, metadata, revalidated, cancellationToken),
        ImageCacheChain chain => chain.UpdateRevalidatedAsync(key, metadata, revalidated, cancellationToken),
        _ => CacheTasks.Checked(cache.UpdateMetadataAsync(key, metadata, cancellationToken), cache),
    };

    private async Task<bool> UpdateRevalidatedAsync(string key, DiskCacheMetadata metadata, ReadOnlyMemory<byte> revalidated, CancellationToken cancellationToken) =>
        await DiskAsync(cancellationToken).ConfigureAwait(false) is { } disk
        && await disk.UpdateMetadataOfBytesAsync(key, metadata, revalidated, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Removes from the memory tier of <paramref name="cache"/> (of each of a chain's caches that removals reach) the image
    /// of <paramref name="key"/> and every decoded variant of it, after a response replaced the bytes they were decoded
    /// from: a later load with other decode options (a thumbnail, the first frame, the full image) must not be answered
    /// with the old version. A cache that is neither an <see cref="ImageCache"/> nor a chain can only remove the variant of
    /// <paramref name="decodeOptions"/>.
    /// </summary>
    internal static async Task RemoveReplacedFromMemoryAsync(IImageCache cache, string key, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken)
    {
        switch (cache)
        {
            case ImageCache imageCache:
                imageCache.Memory.RemoveVariantsOf(key);
                break;
            case ImageCacheChain chain:
                foreach (var member in chain.StoreTargets)
                {
                    await RemoveReplacedFromMemoryAsync(member, key, decodeOptions, cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                await CacheTasks.Checked(cache.RemoveAsync(key, ImageCacheType.Memory, decodeOptions, cancellationToken), cache).ConfigureAwait(false);
                break;
        }
    }
}
