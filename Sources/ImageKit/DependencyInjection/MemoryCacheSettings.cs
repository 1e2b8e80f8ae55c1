using ImageKit.Caching;

namespace ImageKit.DependencyInjection;

/// <summary>The bindable memory cache settings of <see cref="ImageKitOptions"/>; see <see cref="MemoryImageCacheOptions"/>.</summary>
public sealed class MemoryCacheSettings
{
    /// <summary>The most decoded bytes the cache keeps; 0 keeps nothing strongly. Not negative.</summary>
    /// <value>Default: <see langword="null"/>, meaning <see cref="MemoryImageCacheOptions.MaxCost"/>'s default (the smaller of 256 MiB and a tenth of available memory).</value>
    public long? MaxBytes { get; set; }

    /// <summary>The most images the cache keeps; 0 means no count limit. Not negative.</summary>
    /// <value>Default: 0.</value>
    public int MaxCount { get; set; }

    /// <summary>Whether evicted images still in use elsewhere stay findable through weak references.</summary>
    /// <value>Default: <see langword="true"/>.</value>
    public bool UseWeakCache { get; set; } = MemoryImageCacheOptions.Default.UseWeakCache;

    /// <summary>Whether the cache trims itself when the system reports high memory load.</summary>
    /// <value>Default: <see langword="true"/>.</value>
    public bool TrimOnMemoryPressure { get; set; } = MemoryImageCacheOptions.Default.TrimOnMemoryPressure;
}
