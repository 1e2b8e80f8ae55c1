namespace ImageKit.Caching;

/// <summary>What <see cref="DiskImageCache.TrimAsync"/> removed.</summary>
/// <param name="ExpiredRemoved">Entries removed because they were older than the maximum age.</param>
/// <param name="SizeRemoved">Entries removed, least recently used first, to bring the cache under the size limit.</param>
/// <param name="BytesFreed">The bytes of all removed entries (inline and in files).</param>
public sealed record DiskCacheTrimResult(int ExpiredRemoved, int SizeRemoved, long BytesFreed);
