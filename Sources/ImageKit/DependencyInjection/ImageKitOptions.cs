namespace ImageKit.DependencyInjection;

/// <summary>
/// The settings of the ImageKit services <see cref="ImageKitServiceCollectionExtensions.AddImageKit(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{ImageKitOptions}?)"/>
/// registers, bindable from configuration (section <see cref="ImageKitDefaults.ConfigurationSectionName"/> by convention).
/// Validated when the host starts; an invalid value fails the start with a message naming the setting.
/// </summary>
/// <remarks>Read once, when the services are first resolved; later changes have no effect. Not thread-safe: configure, then build.</remarks>
public sealed class ImageKitOptions
{
    /// <summary>Downloading: concurrency, timeouts, limits, retries, circuit breaker.</summary>
    /// <value>Default: see <see cref="DownloaderSettings"/>.</value>
    public DownloaderSettings Downloader { get; set; } = new();

    /// <summary>The memory cache of decoded images.</summary>
    /// <value>Default: see <see cref="MemoryCacheSettings"/>.</value>
    public MemoryCacheSettings MemoryCache { get; set; } = new();

    /// <summary>The disk cache of encoded bytes.</summary>
    /// <value>Default: see <see cref="DiskCacheSettings"/> (enabled, in the user's cache folder).</value>
    public DiskCacheSettings DiskCache { get; set; } = new();

    /// <summary>How long a URL that failed for a lasting reason (404, not an image, undecodable) fails fast. Zero turns it off.</summary>
    /// <value>Default: 5 minutes.</value>
    public TimeSpan FailedUrlRetention { get; set; } = new ImageManagerOptions().FailedUrlRetention;

    /// <summary>
    /// Whether the <see cref="ImageManager"/> starts <see cref="ImageManager.WarmUpAsync"/> when the container creates it,
    /// so that its first image does not wait for the load path to be compiled. Resolve it early (at launch) to gain the most.
    /// </summary>
    /// <value>Default: <see langword="true"/>.</value>
    public bool WarmUp { get; set; } = true;

    /// <summary>How many URLs the registered <see cref="Loading.ImagePrefetcher"/> loads at once. 1 or more.</summary>
    /// <value>Default: 3.</value>
    public int MaxConcurrentPrefetches { get; set; } = 3;
}
