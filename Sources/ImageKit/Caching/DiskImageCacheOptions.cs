namespace ImageKit.Caching;

/// <summary>
/// How a <see cref="DiskImageCache"/> stores, expires and bounds its entries. Set the properties before handing the
/// options to the cache; the cache validates and copies them, so later changes have no effect.
/// </summary>
public sealed class DiskImageCacheOptions
{
    /// <summary>
    /// The cache folder, which must be the cache's own: it is created if absent, and an existing folder that has no index
    /// yet must be empty (a folder of other files is refused with <see cref="DiskCacheException"/>). Several caches (in
    /// one process or several) may share a folder.
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
    /// The most entry bytes the cache keeps (inline entries and blob files alike; the index's own pages are not counted);
    /// 0 means no limit. A set limit is enforced after every write (least recently
    /// used entries go first, down to <see cref="TrimTargetFraction"/> of the limit), not only on an explicit trim.
    /// An entry larger than the limit is not stored. <value>Default: 0 (no limit).</value>
    /// </summary>
    public long MaxSizeBytes { get; set; }

    /// <summary>
    /// When trimming for size, the fraction of the limit to bring the cache down to, so that the next writes do not trim
    /// again at once. Must be in (0, 1]. <value>Default: 0.8.</value>
    /// </summary>
    public double TrimTargetFraction { get; set; } = 0.8;

    /// <summary>
    /// Entries of at most this many bytes are kept inside the index database (one transaction, no file created); larger
    /// ones get a blob file of their own. 0 puts every entry in its own file. Must be between 0 and
    /// <see cref="MaxInlineBytesLimit"/>. Creating a file costs the kernel far more than the database append (hundreds of
    /// microseconds on some file systems), and most web images are a few tens of kilobytes.
    /// <value>Default: 65,536 (64 KiB).</value>
    /// </summary>
    /// <remarks>
    /// Inline entries are as durable as the index, which runs in WAL mode with <c>synchronous = NORMAL</c>: an entry is
    /// atomic and survives the process being killed once <see cref="DiskImageCache.SetAsync"/> has returned; a power loss
    /// or an OS crash may lose the last few stored entries, but never damages or mixes them. Their bytes are
    /// checksummed like files and verified on every read. (A file entry, in contrast, is flushed to the device before its
    /// row is committed.)
    /// </remarks>
    public int MaxInlineBytes { get; set; } = DefaultMaxInlineBytes;

    /// <summary>The default of <see cref="MaxInlineBytes"/>: 64 KiB.</summary>
    public const int DefaultMaxInlineBytes = 64 * 1024;

    /// <summary>The largest accepted <see cref="MaxInlineBytes"/>: 16 MiB (bigger entries belong in files).</summary>
    public const int MaxInlineBytesLimit = 16 * 1024 * 1024;

    /// <summary>The clock for stored and access times and expiry. <value>Default: <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Whether each blob file is flushed to the storage device before it becomes visible. Off only for benchmarks that
    /// fill large caches; a crash can then leave damaged blobs, which read as misses. Inline entries (see
    /// <see cref="MaxInlineBytes"/>) are not files: they follow the index's WAL durability either way.
    /// </summary>
    internal bool FlushWrites { get; set; } = true;

    /// <summary>
    /// Called inside every index write transaction of the cache, after its work and just before it commits, with the
    /// transaction's connection; for tests, which throw from it to make a commit fail (as a full disk or an I/O error
    /// would) and see what is left, or set SQLite hooks on the connection to make SQLite roll back by itself.
    /// </summary>
    internal Action<Microsoft.Data.Sqlite.SqliteConnection>? BeforeIndexCommit { get; set; }

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

        if (MaxInlineBytes is < 0 or > MaxInlineBytesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInlineBytes), MaxInlineBytes, "The inline threshold must be between 0 and 16 MiB.");
        }

        if (!Enum.IsDefined(ExpiryBasis))
        {
            throw new ArgumentOutOfRangeException(nameof(ExpiryBasis), ExpiryBasis, "Not a DiskCacheExpiryBasis value.");
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
        MaxInlineBytes = MaxInlineBytes,
        TimeProvider = TimeProvider,
        FlushWrites = FlushWrites,
        BeforeIndexCommit = BeforeIndexCommit,
    };
}
