using System.Diagnostics.Metrics;
using ImageKit.Decoding;
using Microsoft.Extensions.Logging;

namespace ImageKit.Caching;

/// <summary>Settings of an <see cref="ImageCache"/>: its two tiers and how disk hits are decoded.</summary>
public sealed record ImageCacheOptions
{
    /// <summary>The memory tier's settings. <value>Default: <see cref="MemoryImageCacheOptions.Default"/>.</value></summary>
    public MemoryImageCacheOptions Memory { get; init; } = MemoryImageCacheOptions.Default;

    /// <summary>
    /// The disk tier's settings; <see langword="null"/> for a cache without a disk tier.
    /// <value>Default: <see langword="null"/>.</value>
    /// </summary>
    public DiskImageCacheOptions? Disk { get; init; }

    /// <summary>The decoders for disk hits. <value>Default: <see cref="ImageDecoderRegistry.Default"/>.</value></summary>
    public ImageDecoderRegistry? Decoders { get; init; }

    /// <summary>Where the cache and the tiers it creates log (category <c>ImageKit.Caching</c>): trims at Information.</summary>
    /// <value>Default: <see langword="null"/> (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the <c>ImageKit</c> meter the cache reports hits and misses to.</summary>
    /// <value>Default: <see langword="null"/> (the process-wide <c>ImageKit</c> meter).</value>
    public IMeterFactory? MeterFactory { get; init; }
}
