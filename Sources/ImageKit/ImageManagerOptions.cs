using System.Diagnostics.Metrics;
using ImageKit.Decoding;
using Microsoft.Extensions.Logging;

namespace ImageKit;

/// <summary>Settings of an <see cref="ImageManager"/> beyond its cache and downloader.</summary>
public sealed record ImageManagerOptions
{
    /// <summary>
    /// How long a URL that failed for a lasting reason fails fast (unless <see cref="ImageLoadOptions.RetryFailed"/>);
    /// <see cref="TimeSpan.Zero"/> remembers no failure. Expired entries are dropped as new failures come in, so a
    /// long-running app that meets many distinct failing URLs keeps only about those of the last period.
    /// <value>Default: 5 minutes.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative time.</exception>
    public TimeSpan FailedUrlRetention
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromMinutes(5);

    /// <summary>The decoders. <value>Default: <see cref="ImageDecoderRegistry.Default"/>.</value></summary>
    public ImageDecoderRegistry? Decoders { get; init; }

    /// <summary>Decoding limits and policies every load starts from. <value>Default: <see cref="ImageDecodeOptions.Default"/>.</value></summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    public ImageDecodeOptions DecodeOptions
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value), "DecodeOptions cannot be null; leave it unset for the defaults.");
    } = ImageDecodeOptions.Default;

    /// <summary>The clock for failed-URL retention. <value>Default: <see cref="TimeProvider.System"/>.</value></summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    public TimeProvider TimeProvider
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value), "TimeProvider cannot be null; leave it unset for the system clock.");
    } = TimeProvider.System;

    /// <summary>
    /// Where the manager logs (category <c>ImageKit.ImageManager</c>): each load at Debug, undecodable bytes at Warning.
    /// </summary>
    /// <value>Default: <see langword="null"/> (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the <c>ImageKit</c> meter the manager reports loads and decode times to.</summary>
    /// <value>Default: <see langword="null"/> (the process-wide <c>ImageKit</c> meter).</value>
    public IMeterFactory? MeterFactory { get; init; }
}
