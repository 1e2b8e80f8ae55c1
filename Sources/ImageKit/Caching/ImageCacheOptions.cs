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

    /// <summary>
    /// Whether the disk tier opens on the thread pool instead of in the constructor. The first disk index a process opens
    /// takes tens of milliseconds (SQLite's first use: 66–81 ms of a ReadyToRun app's launch, more with JIT), too long for
    /// an app's main thread. With this set the constructor returns at once, memory hits are served meanwhile, and what
    /// needs the disk tier waits for it. A folder that cannot be used is then not thrown: it is logged as a warning
    /// (event <c>DiskTierUnavailable</c>, and a <see cref="System.Diagnostics.Trace"/> warning) and the cache works from
    /// memory only, as <see cref="ImageManager.Shared"/>'s does.
    /// </summary>
    /// <value>
    /// Default: <see langword="false"/>: the constructor opens the disk tier and throws <see cref="DiskCacheException"/>
    /// when it cannot.
    /// </value>
    public bool OpenDiskInBackground { get; init; }

    /// <summary>The decoders for disk hits. <value>Default: <see cref="ImageDecoderRegistry.Default"/>.</value></summary>
    public ImageDecoderRegistry? Decoders { get; init; }

    /// <summary>Where the cache and the tiers it creates log (category <c>ImageKit.Caching</c>): trims at Information.</summary>
    /// <value>Default: <see langword="null"/> (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the <c>ImageKit</c> meter the cache reports hits and misses to.</summary>
    /// <value>Default: <see langword="null"/> (the process-wide <c>ImageKit</c> meter).</value>
    public IMeterFactory? MeterFactory { get; init; }
}
