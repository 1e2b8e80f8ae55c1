using ImageKit.Decoding;

namespace ImageKit.Caching;

/// <summary>
/// A cache hit: the image, with a lease of the caller's own (dispose the result when done with the image), and where it
/// was found.
/// </summary>
public sealed class ImageCacheResult : IDisposable
{
    private readonly ImageLease _lease;

    internal ImageCacheResult(ImageLease lease, ImageCacheType source, DiskCacheMetadata? metadata)
    {
        _lease = lease;
        Source = source;
        Metadata = metadata;
    }

    /// <summary>The image; usable until this result is disposed (longer if you take your own lease).</summary>
    /// <exception cref="ObjectDisposedException">The result has been disposed.</exception>
    public AnimatedImage Image => _lease.Image;

    /// <summary>The tier that answered: <see cref="ImageCacheType.Memory"/> or <see cref="ImageCacheType.Disk"/>.</summary>
    public ImageCacheType Source { get; }

    /// <summary>The disk entry's metadata on a disk hit (validators for revalidation, content type…); otherwise null.</summary>
    public DiskCacheMetadata? Metadata { get; }

    /// <summary>
    /// On a disk hit that decoded and transformed a still from its original bytes, into a result worth storing: the length
    /// and checksum of those bytes, so that the result can be stored beside them (<see cref="Internal.DiskVariant"/>).
    /// Otherwise null.
    /// </summary>
    internal (long Size, long Checksum)? TransformedFrom { get; init; }

    /// <summary>Takes an independent lease on the image, to keep it beyond this result.</summary>
    public ImageLease ShareImage() => _lease.Share();

    /// <summary>Gives up this result's lease on the image. Idempotent.</summary>
    public void Dispose() => _lease.Dispose();
}
