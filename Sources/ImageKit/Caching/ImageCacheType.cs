namespace ImageKit.Caching;

/// <summary>Which tiers of an <see cref="IImageCache"/> an operation touches.</summary>
[Flags]
public enum ImageCacheType
{
    /// <summary>No tier: a query misses, a store stores nothing.</summary>
    None = 0,

    /// <summary>The memory tier: decoded images.</summary>
    Memory = 1,

    /// <summary>The disk tier: encoded bytes and their metadata.</summary>
    Disk = 2,

    /// <summary>Both tiers.</summary>
    All = Memory | Disk,
}
