using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;

namespace ImageKit.Caching;

public sealed partial class ImageCache
{
    // A transformed still stored beside its original (see DiskVariant): decoded if it was made from the original bytes on
    // disk now and fits the query's limits, else removed (or, over the limits only, left), and put in memory with
    // fillStamp (none: not at all). Null sends the query on to the original.
    private async Task<ImageCacheResult?> QueryStoredVariantAsync(DiskImageCache disk, string key, string variantKey, long? fillStamp, DecodingLimits limits, CancellationToken cancellationToken)
    {
        var entry = await disk.GetAsync(variantKey, countMiss: false, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return null;
        }

        // Counts as a use of the original too: trimming the original first would make the variant useless. Bytes still to
        // be stored for the key are the original now (a refresh that got new ones): the variant must have been made from
        // them, not from the bytes on disk they are about to replace.
        AnimatedImage? image;
        try
        {
            image = OriginalIdentity(disk, key) is { } original
                ? await Task.Run(() => DiskVariant.Decode(entry, original, SourceNameOf(entry, key), limits), cancellationToken).ConfigureAwait(false)
                : null;
        }
        catch (ImageLimitExceededException)
        {
            // Over this query's limits (made under higher ones, or written by another process): never decoded, and left
            // for the loads it fits. The original decides, and fails the limits as a fresh transform of it would.
            return null;
        }

        if (image is null)
        {
            // Made from other bytes than those stored now (the original was replaced, expired or removed), or damaged.
            Log.StaleVariantRemoved(_logger, new UrlText.LoggedKey(key));
            await disk.RemoveAsync(variantKey, cancellationToken).ConfigureAwait(false);
            return null;
        }

        Contained.Add(_metrics.CacheHits, 1, s_diskTier);
        using (image)
        {
            if (fillStamp is { } stamp)
            {
                Memory.Fill(variantKey, image, stamp); // unless a store, removal or clear came after the read
            }

            return new ImageCacheResult(image.AcquireLease(), ImageCacheType.Disk, entry.Metadata with { ExtendedData = null });
        }
    }

    private static (long Size, long Checksum)? OriginalIdentity(DiskImageCache disk, string key) =>
        disk.PendingStores.Pending(key) is { } pending ? DiskVariant.Identify(pending.Data.Span) : disk.Identify(key, recordAccess: true);

    /// <summary>
    /// Stores <paramref name="image"/>, a still transformed with <paramref name="decodeOptions"/> from the original bytes
    /// <paramref name="original"/> names, on disk beside them (see <see cref="DiskVariant"/>); nothing for an animation or
    /// without a disk tier.
    /// </summary>
    internal async Task StoreVariantAsync(string key, AnimatedImage image, ImageDecodeOptions decodeOptions, (long Size, long Checksum) original, DiskCacheMetadata? metadata, CancellationToken cancellationToken)
    {
        if (!DiskVariant.Applies(decodeOptions) || await DiskAsync(cancellationToken).ConfigureAwait(false) is not { } disk
            || DiskVariant.Encode(image, original, metadata) is not { } encoded)
        {
            return;
        }

        await disk.SetAsync(DiskVariant.KeyFor(key, decodeOptions), encoded.Data, encoded.Metadata, cancellationToken).ConfigureAwait(false);
    }
}
