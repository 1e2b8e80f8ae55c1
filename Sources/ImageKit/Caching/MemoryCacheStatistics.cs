namespace ImageKit.Caching;

/// <summary>A snapshot of what a <see cref="MemoryImageCache"/> holds and has done since it was created.</summary>
/// <param name="Count">Images held strongly.</param>
/// <param name="TotalCost">Their total cost in bytes.</param>
/// <param name="Hits">Lookups answered from the strong cache.</param>
/// <param name="WeakHits">Lookups answered from the weak table (an evicted image still owned elsewhere).</param>
/// <param name="Misses">Lookups that found nothing.</param>
/// <param name="Evictions">Images evicted to respect the limits or by trimming.</param>
public sealed record MemoryCacheStatistics(int Count, long TotalCost, long Hits, long WeakHits, long Misses, long Evictions);
