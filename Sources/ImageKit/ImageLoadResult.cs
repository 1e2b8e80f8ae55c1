using ImageKit.Decoding;

namespace ImageKit;

/// <summary>
/// What <see cref="ImageManager.LoadImageAsync"/> produced. The result holds a lease on the image: dispose the result when
/// done with the image (a player takes its own lease, so the result may be disposed as soon as the player exists).
/// </summary>
public sealed class ImageLoadResult : IDisposable
{
    private readonly ImageLease _lease;

    internal ImageLoadResult(ImageLease lease, ImageLoadSource source, Uri url, Uri finalUrl, string cacheKey, ReadOnlyMemory<byte>? encodedData)
    {
        _lease = lease;
        Source = source;
        Url = url;
        FinalUrl = finalUrl;
        CacheKey = cacheKey;
        EncodedData = encodedData;
    }

    /// <summary>The decoded image; usable until this result is disposed (longer with a lease of your own).</summary>
    /// <exception cref="ObjectDisposedException">The result has been disposed (take a lease with <see cref="ShareImage"/> to keep the image).</exception>
    public AnimatedImage Image => _lease.Image;

    /// <summary>Where it came from: memory, disk or network.</summary>
    public ImageLoadSource Source { get; }

    /// <summary>The URL that was asked for.</summary>
    public Uri Url { get; }

    /// <summary>The URL the bytes came from, after redirects (the asked URL for cache hits).</summary>
    public Uri FinalUrl { get; }

    /// <summary>The cache key the image is stored under.</summary>
    public string CacheKey { get; }

    /// <summary>A copy of the encoded bytes, when <see cref="ImageLoadOptions.ReturnEncodedData"/> asked for them.</summary>
    public ReadOnlyMemory<byte>? EncodedData { get; }

    /// <summary>Takes an independent lease on the image, to keep it beyond this result.</summary>
    public ImageLease ShareImage() => _lease.Share();

    /// <summary>Gives up the result's lease on the image. Idempotent.</summary>
    public void Dispose() => _lease.Dispose();
}
