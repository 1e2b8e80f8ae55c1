using ImageKit.Caching;
using ImageKit.Loading;

namespace ImageKit;

/// <summary>
/// How one <see cref="ImageManager.LoadImageAsync"/> call behaves (in the spirit of SDWebImage's options). Every property
/// has a documented default; <see cref="Default"/> uses them all.
/// </summary>
public sealed record ImageLoadOptions
{
    /// <summary>The defaults.</summary>
    public static ImageLoadOptions Default { get; } = new();

    /// <summary>
    /// Try a URL that failed recently again. Otherwise a URL whose load failed for a lasting reason (HTTP 4xx, not an image,
    /// too large, undecodable) fails fast for <see cref="ImageManagerOptions.FailedUrlRetention"/>.
    /// <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool RetryFailed { get; init; }

    /// <summary>The download queue priority. <value>Default: <see cref="DownloadPriority.Normal"/>.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a value <see cref="DownloadPriority"/> does not define.</exception>
    public DownloadPriority Priority
    {
        get;
        init => field = value is DownloadPriority.Low or DownloadPriority.Normal or DownloadPriority.High
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Priority), value, "Priority must be Low, Normal or High.");
    } = DownloadPriority.Normal;

    /// <summary>
    /// Revalidate a disk-cached image with the server: its ETag / Last-Modified go out as <c>If-None-Match</c> /
    /// <c>If-Modified-Since</c>; a 304 keeps the cached bytes, a 200 replaces them. The memory cache is skipped.
    /// <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool RefreshCached { get; init; }

    /// <summary>Never touch the network: a cache miss fails with <see cref="ImageLoadException"/>. <value>Default: <see langword="false"/>.</value></summary>
    public bool FromCacheOnly { get; init; }

    /// <summary>Skip the cache lookup and load from the URL (the result is still stored). <value>Default: <see langword="false"/>.</value></summary>
    public bool FromNetworkOnly { get; init; }

    /// <summary>
    /// Decode only the first frame (an animation becomes a still; cached as its own variant). An animation's first frame
    /// is decoded during the load and the memory cache keeps its pixels alone, not the animation's encoded bytes.
    /// <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool FirstFrameOnly { get; init; }

    /// <summary>
    /// Scale images with more pixels than this down to fit, aspect ratio kept (cached as their own variant); 0 keeps every
    /// image at its own size. <value>Default: 0.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative number.</exception>
    public long ScaleDownMaxPixels
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ScaleDownMaxPixels), value, "ScaleDownMaxPixels cannot be negative; 0 keeps every image at its own size.");
    }

    /// <summary>
    /// Decode a thumbnail: an image wider or taller than this box comes back at the largest size that fits in it, aspect
    /// ratio kept (cached in memory as its own variant; the disk keeps the original bytes, so every size is made from
    /// one download, and a still's thumbnail too, see <see cref="StoreTransformedOnDisk"/>). A 0 side leaves that side
    /// free; nothing is scaled up. JPEG and WebP stills are decoded straight at about the thumbnail's size, never at full
    /// size first. See <see cref="Decoding.ImageDecodeOptions.ThumbnailPixelSize"/>.
    /// <value>Default: <see cref="System.Drawing.Size.Empty"/> (the image's own size).</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set with a negative width or height.</exception>
    public System.Drawing.Size ThumbnailPixelSize
    {
        get;
        init => field = Decoding.ImageDecodeOptions.CheckThumbnailPixelSize(value);
    }

    /// <summary>
    /// Transformers applied in order to every frame of the image (resize, crop, rounded corners, circle, blur, grayscale or
    /// the app's own <see cref="Transforming.ImageTransformer"/>), after <see cref="ScaleDownMaxPixels"/> and <see
    /// cref="ThumbnailPixelSize"/>. The result is cached in memory as its own variant; the disk keeps the original bytes
    /// and, for a still, the result too (see <see cref="StoreTransformedOnDisk"/>). An empty list uses
    /// <see cref="ImageManagerOptions.DecodeOptions"/>' transformers. The list is copied when set.
    /// <value>Default: empty.</value>
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The list holds a <see langword="null"/> transformer or one with an empty key.</exception>
    public IReadOnlyList<Transforming.ImageTransformer> Transformers
    {
        get;
        init => field = Decoding.ImageDecodeOptions.CheckTransformers(value);
    } = [];

    /// <summary>
    /// Store a transformed still or a still's thumbnail (<see cref="ThumbnailPixelSize"/>) on disk too, beside its original
    /// bytes (as lossless WebP), so that a later load, in this process or the next, decodes the small result instead of
    /// decoding, shrinking and transforming the original again. It is stored only when its pixels take at most twice the
    /// original's encoded bytes and it encodes smaller than the original (a thumbnail of a photo, not the full-size
    /// pixels of a thumbnail box larger than a small PNG). The result is only used with the original bytes it was made
    /// from: once they are replaced (a refresh with new bytes) or gone, it is made again. Animations are never stored
    /// transformed: their frames are transformed as they are shown. Only the built-in <see cref="Caching.ImageCache"/>
    /// stores them. <value>Default: <see langword="true"/>.</value>
    /// </summary>
    public bool StoreTransformedOnDisk { get; init; } = true;

    /// <summary>
    /// The cache tiers looked in and stored to: <see cref="ImageCacheType.Memory"/> for memory-cache only,
    /// <see cref="ImageCacheType.Disk"/> for disk-cache only. <value>Default: <see cref="ImageCacheType.All"/>.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a value with flags <see cref="ImageCacheType"/> does not define.</exception>
    public ImageCacheType CacheType
    {
        get;
        init => field = (value & ~ImageCacheType.All) == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(CacheType), value, "CacheType may combine only Memory and Disk.");
    } = ImageCacheType.All;

    /// <summary>
    /// Makes the cache key from the URL (for example to drop a signed query string). Everything that changes the decoded
    /// result is added to the memory key by the cache itself. A function that returns <see langword="null"/>, an empty key
    /// or a key holding the control character U+001F (which the cache keeps to tell a key's variants apart) fails the load
    /// with <see cref="ArgumentException"/>; one that throws fails it with its own exception.
    /// <value>Default: <see langword="null"/> (the absolute URL).</value>
    /// </summary>
    public Func<Uri, string>? CacheKey { get; init; }

    /// <summary>
    /// Extra request headers for this load (a token for this one image, an <c>Accept</c> for one request): sent by the
    /// HTTP loader, and given to other loaders in <see cref="ImageLoaderRequest.Headers"/>. Headers every request needs
    /// belong in <see cref="ImageDownloaderOptions.RequestModifier"/>. They do not change the cache key: a load with other
    /// headers is answered from the caches like any load of the URL (set <see cref="CacheKey"/> when they change the
    /// image). They do change which loads share one download, and a failure is remembered (see <see cref="RetryFailed"/>)
    /// for the headers it was met with only, so a load that failed without a token does not stop one with it. They are
    /// not sent to another origin a redirect leads to. A header that may not be sent (see
    /// <see cref="ImageDownloadRequest.Headers"/>) fails the load with <see cref="ImageDownloadFailure.InvalidRequest"/>,
    /// unsent. The dictionary is copied when the load starts.
    /// </summary>
    /// <value>Default: <see langword="null"/> (none).</value>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>
    /// Return only once the encoded bytes are in the disk cache. Otherwise the load returns as soon as the image is decoded
    /// and in the memory cache, and the disk store finishes in the background (<see cref="ImageManager.WaitForDiskStoresAsync"/>
    /// and disposing the manager wait for it). <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool WaitForDiskStore { get; init; }

    /// <summary>
    /// While an image downloads, decode previews of what has arrived and report them through the progress callback (<see
    /// cref="ImageLoadProgress.Preview"/>): rows of a baseline JPEG or PNG so far, coarse full images from the scans of a
    /// progressive JPEG. At most one preview is decoded at a time, off the thread that reads the response, and only after a
    /// tenth of the image (or 32 KiB when the size is unknown) more has arrived; none is reported after the load has
    /// returned. Needs a progress callback; loads from a cache have no previews. With <see cref="ScaleDownMaxPixels"/> or
    /// <see cref="ThumbnailPixelSize"/> previews are decoded scaled down too where the codec can (JPEG, WebP), and not at
    /// all where it cannot. Previews are reported from a pool thread, possibly while byte counts arrive from the thread
    /// that reads the response: a synchronous <see cref="IProgress{T}"/> must be thread-safe.
    /// </summary>
    /// <value>Default: <see langword="false"/>.</value>
    public bool Progressive { get; init; }

    /// <summary>Put the encoded bytes in <see cref="ImageLoadResult.EncodedData"/> (memory hits read them from the image). <value>Default: <see langword="false"/>.</value></summary>
    public bool ReturnEncodedData { get; init; }
}
