namespace ImageKit.Caching.Internal;

/// <summary>One row of the index, times in UTC ticks.</summary>
/// <param name="Id">The row id (also the key of its inline bytes).</param>
/// <param name="Size">The entry's length in bytes.</param>
/// <param name="Checksum">XxHash3 of the bytes.</param>
/// <param name="StoredTicks">When the entry was stored or last revalidated.</param>
/// <param name="LastAccessTicks">The last recorded read.</param>
/// <param name="Metadata">What was stored beside the bytes.</param>
/// <param name="Inline">Whether the bytes live in the index's <c>blobs</c> table rather than in a file.</param>
/// <param name="InlineLength">For an inline row, the length of its stored bytes, or −1 when they are missing.</param>
internal sealed record IndexRow(
    long Id,
    long Size,
    long Checksum,
    long StoredTicks,
    long LastAccessTicks,
    DiskCacheMetadata Metadata,
    bool Inline = false,
    long InlineLength = -1)
{
    public static DateTimeOffset ToTime(long ticks) => new(ticks, TimeSpan.Zero);
}
