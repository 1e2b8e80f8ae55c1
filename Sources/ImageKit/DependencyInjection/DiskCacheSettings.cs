using ImageKit.Caching;

namespace ImageKit.DependencyInjection;

/// <summary>The bindable disk cache settings of <see cref="ImageKitOptions"/>; see <see cref="DiskImageCacheOptions"/>.</summary>
public sealed class DiskCacheSettings
{
    /// <summary>Whether there is a disk cache at all.</summary>
    /// <value>Default: <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>The cache folder: an absolute path, created if missing, that the process can write to.</summary>
    /// <value>Default: <see langword="null"/>, meaning <see cref="DiskImageCache.DefaultDirectory"/>.</value>
    public string? Folder { get; set; }

    /// <summary>The size limit in bytes, enforced on every write; 0 means none. Not negative.</summary>
    /// <value>Default: 0 (no limit).</value>
    public long MaxSizeBytes { get; set; }

    /// <summary>
    /// Entries of at most this many bytes are kept inside the index database instead of a file of their own; 0 means
    /// every entry gets a file. Between 0 and <see cref="DiskImageCacheOptions.MaxInlineBytesLimit"/>.
    /// </summary>
    /// <value>Default: <see cref="DiskImageCacheOptions.DefaultMaxInlineBytes"/> (64 KiB).</value>
    public int MaxInlineBytes { get; set; } = DiskImageCacheOptions.DefaultMaxInlineBytes;

    /// <summary>How long an entry is kept; zero or <see cref="Timeout.InfiniteTimeSpan"/> means forever. Not negative.</summary>
    /// <value>Default: 7 days.</value>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Whether the disk cache opens on the thread pool when the cache is created, so that resolving it (often on an app's
    /// main thread) does not wait for the index; a folder that cannot be used is then logged and the cache works from
    /// memory only. See <see cref="ImageCacheOptions.OpenDiskInBackground"/>.
    /// </summary>
    /// <value>Default: <see langword="false"/> (resolving the cache opens the index and throws <see cref="DiskCacheException"/> when it cannot).</value>
    public bool OpenInBackground { get; set; }

    /// <summary>What <see cref="MaxAge"/> counts from.</summary>
    /// <value>Default: <see cref="DiskCacheExpiryBasis.LastAccess"/>.</value>
    public DiskCacheExpiryBasis ExpiryBasis { get; set; } = DiskCacheExpiryBasis.LastAccess;
}
