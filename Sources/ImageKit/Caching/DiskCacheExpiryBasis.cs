namespace ImageKit.Caching;

/// <summary>Which time of an entry <see cref="DiskImageCacheOptions.MaxAge"/> counts from.</summary>
public enum DiskCacheExpiryBasis
{
    /// <summary>
    /// The last time the entry was read or written (the default; SDWebImage's "access date"). Reads are written to the
    /// index in batches, so another instance or process on the folder sees them a few seconds late (see
    /// <see cref="DiskImageCache"/>).
    /// </summary>
    LastAccess,

    /// <summary>The time the entry was stored or its metadata last refreshed (<see cref="DiskImageCache.UpdateMetadataAsync"/>).</summary>
    Stored,
}
