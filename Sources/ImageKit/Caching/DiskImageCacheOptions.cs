namespace ImageKit.Caching;

/// <summary>
/// How a <see cref="DiskImageCache"/> stores, expires and bounds its entries. Set the properties before handing the
/// options to the cache; the cache validates and copies them, so later changes have no effect.
/// </summary>
public sealed class DiskImageCacheOptions
{
    /// <summary>
    /// The cache folder. It is created if absent. Several caches (in one process or several) may share a folder.
    /// <value>Required. <see cref="DiskImageCache.DefaultDirectory"/> is the conventional per-user location.</value>
    /// </summary>
    public required string Directory { get; set; }

    /// <summary>
    /// How old an entry may get before it counts as absent, measured from <see cref="ExpiryBasis"/>.
    /// <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> means entries never expire.
    /// <value>Default: 7 days.</value>
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Which time <see cref="MaxAge"/> counts from. <value>Default: <see cref="DiskCacheExpiryBasis.LastAccess"/>.</value></summary>
    public DiskCacheExpiryBasis ExpiryBasis { get; set; } = DiskCacheExpiryBasis.LastAccess;

    /// <summary>
    /// The most blob bytes the cache keeps; 0 means no limit. A set limit is enforced after every write (least recently
    /// used entries go first, down to <see cref="TrimTargetFraction"/> of the limit), not only on an explicit trim.
    /// An entry larger than the limit is not stored. <value>Default: 0 (no limit).</value>
    /// </summary>
    public long MaxSizeBytes { get; set; }

    /// <summary>
    /// When trimming for size, the fraction of the limit to bring the cache down to, so that the next writes do not trim
    /// again at once. Must be in (0, 1]. <value>Default: 0.8.</value>
    /// </summary>
    public double TrimTargetFraction { get; set; } = 0.8;

    /// <summary>The clock for stored and access times and expiry. <value>Default: <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Whether each write is flushed to the storage device before it becomes visible. Off only for benchmarks that
    /// fill large caches; a crash can then leave damaged blobs, which read as misses.
    /// </summary>
    internal bool FlushWrites { get; set; } = true;

    internal bool Expires => MaxAge > TimeSpan.Zero && MaxAge != Timeout.InfiniteTimeSpan;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("The cache folder must be set.", nameof(Directory));
        }

        if (MaxAge < TimeSpan.Zero && MaxAge != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAge), MaxAge, "The maximum age must not be negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxSizeBytes, nameof(MaxSizeBytes));
        if (!(TrimTargetFraction > 0 && TrimTargetFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TrimTargetFraction), TrimTargetFraction, "The trim target must be in (0, 1].");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }

    internal DiskImageCacheOptions Clone() => new()
    {
        Directory = Path.GetFullPath(Directory),
        MaxAge = MaxAge,
        ExpiryBasis = ExpiryBasis,
        MaxSizeBytes = MaxSizeBytes,
        TrimTargetFraction = TrimTargetFraction,
        TimeProvider = TimeProvider,
        FlushWrites = FlushWrites,
    };
}
