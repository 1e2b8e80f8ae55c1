namespace ImageKit.Caching;

/// <summary>A snapshot of a <see cref="DiskImageCache"/>.</summary>
/// <param name="EntryCount">Entries in the index, counting every process that uses the folder.</param>
/// <param name="TotalBytes">The sum of the entries' sizes, inline entries and blob files alike (metadata, the index's pages and its free space not counted).</param>
/// <param name="Hits">Reads answered by this instance since it was opened.</param>
/// <param name="Misses">Reads this instance could not answer (absent, expired or damaged) since it was opened.</param>
public sealed record DiskCacheStatistics(long EntryCount, long TotalBytes, long Hits, long Misses);
