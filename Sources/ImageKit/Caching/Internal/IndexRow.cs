namespace ImageKit.Caching.Internal;

/// <summary>One row of the index, times in UTC ticks.</summary>
internal sealed record IndexRow(
    long Id,
    long Size,
    long Checksum,
    long StoredTicks,
    long LastAccessTicks,
    DiskCacheMetadata Metadata)
{
    public static DateTimeOffset ToTime(long ticks) => new(ticks, TimeSpan.Zero);
}
