namespace ImageKit.Caching;

/// <summary>One entry read from a <see cref="DiskImageCache"/>: its encoded bytes, verified against the index, and metadata.</summary>
/// <param name="Key">The key the entry was asked for.</param>
/// <param name="Data">The encoded bytes, exactly as stored (length and checksum verified). A fresh array owned by the caller.</param>
/// <param name="Metadata">What was stored beside the bytes.</param>
/// <param name="StoredAt">When the bytes were stored or their metadata last refreshed.</param>
/// <param name="LastAccessAt">The last access before this read (reads are recorded in batches, so another process's very recent reads may not show).</param>
#pragma warning disable CA1819 // The entry hands over its own array; nothing else holds it.
public sealed record DiskCacheEntry(string Key, byte[] Data, DiskCacheMetadata Metadata, DateTimeOffset StoredAt, DateTimeOffset LastAccessAt);
#pragma warning restore CA1819
