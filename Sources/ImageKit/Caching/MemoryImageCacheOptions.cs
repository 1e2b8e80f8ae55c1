namespace ImageKit.Caching;

/// <summary>Settings of a <see cref="MemoryImageCache"/>. Every value has a default suited to an app showing a screenful of images.</summary>
public sealed record MemoryImageCacheOptions
{
    /// <summary>The options a cache uses when given none.</summary>
    public static MemoryImageCacheOptions Default { get; } = new();

    /// <summary>
    /// The most cost the cache holds, in bytes of <see cref="Decoding.AnimatedImage.MemoryCost"/> (encoded bytes plus the
    /// composited frames an image keeps). 0 holds nothing strongly (the weak cache still works).
    /// <value>Default: a tenth of the memory available to the process, at most 256 MiB.</value>
    /// </summary>
    public long MaxCost { get; init; } = Math.Min(256L * 1024 * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 10);

    /// <summary>The most images the cache holds strongly; 0 = no count limit. <value>Default: 0.</value></summary>
    public int MaxCount { get; init; }

    /// <summary>
    /// Whether an image evicted while something else still owns it (a playing view, a load result) is found again through
    /// a weak table instead of being decoded again. <value>Default: <see langword="true"/>.</value>
    /// </summary>
    public bool UseWeakCache { get; init; } = true;

    /// <summary>
    /// Whether the cache trims itself after a full garbage collection that finds the machine's memory load high
    /// (<see cref="GCMemoryInfo.HighMemoryLoadThresholdBytes"/>). <value>Default: <see langword="true"/>.</value>
    /// </summary>
    public bool TrimOnMemoryPressure { get; init; } = true;

    /// <summary>
    /// The share of its cost the cache keeps when it trims for memory pressure (0 empties it).
    /// <value>Default: 0.5.</value>
    /// </summary>
    public double MemoryPressureKeepFraction { get; init; } = 0.5;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxCost, nameof(MaxCost));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxCount, nameof(MaxCount));
        if (!(MemoryPressureKeepFraction is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryPressureKeepFraction), MemoryPressureKeepFraction, "must be between 0 and 1");
        }
    }
}
