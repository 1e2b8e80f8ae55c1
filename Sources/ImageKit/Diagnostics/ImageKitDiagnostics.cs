namespace ImageKit.Diagnostics;

/// <summary>
/// The names under which ImageKit reports: its <see cref="System.Diagnostics.Metrics.Meter"/>, its
/// <see cref="System.Diagnostics.ActivitySource"/>, its instruments and its logger categories. Use them to subscribe
/// (OpenTelemetry's <c>AddMeter</c>/<c>AddSource</c>, a <c>MeterListener</c>, logging filters).
/// </summary>
/// <remarks>
/// Tags follow OpenTelemetry's semantic conventions: a standard attribute where one exists (<c>url.full</c>,
/// <c>error.type</c>), else an attribute in the <c>imagekit.</c> namespace.
/// </remarks>
public static class ImageKitDiagnostics
{
    /// <summary>The name of the meter and of the activity source: <c>ImageKit</c>.</summary>
    public const string MeterName = "ImageKit";

    /// <summary>The name of the activity source: <c>ImageKit</c>.</summary>
    public const string ActivitySourceName = "ImageKit";

    /// <summary>Logger category of <see cref="ImageManager"/>.</summary>
    public const string ImageManagerCategory = "ImageKit.ImageManager";

    /// <summary>Logger category of <see cref="Loading.ImageDownloader"/>.</summary>
    public const string ImageDownloaderCategory = "ImageKit.ImageDownloader";

    /// <summary>Logger category of the caches (<see cref="Caching.ImageCache"/> and its tiers).</summary>
    public const string CachingCategory = "ImageKit.Caching";

    /// <summary>Counter of cache lookups answered, tag <c>imagekit.cache.tier</c> = <c>memory</c> | <c>disk</c>. Unit <c>{lookup}</c>.</summary>
    public const string CacheHits = "imagekit.cache.hits";

    /// <summary>Counter of cache lookups not answered, tag <c>imagekit.cache.tier</c> = <c>memory</c> | <c>disk</c>. Unit <c>{lookup}</c>.</summary>
    public const string CacheMisses = "imagekit.cache.misses";

    /// <summary>Counter of response body bytes downloaded (successful downloads). Unit <c>By</c>.</summary>
    public const string DownloadBytes = "imagekit.download.bytes";

    /// <summary>
    /// Counter of body bytes not downloaded again because a cut-off response was continued
    /// (<see cref="Loading.ImageDownloadResponse.ResumedBytes"/>, successful downloads). Unit <c>By</c>.
    /// </summary>
    public const string DownloadResumedBytes = "imagekit.download.resumed_bytes";

    /// <summary>Histogram of download durations, queue wait excluded, tag <c>imagekit.download.outcome</c> = <c>success</c> | <c>failure</c> | <c>cancelled</c>. Unit <c>s</c>.</summary>
    public const string DownloadDuration = "imagekit.download.duration";

    /// <summary>Counter of download retries scheduled. Unit <c>{retry}</c>.</summary>
    public const string DownloadRetries = "imagekit.download.retries";

    /// <summary>Counter of per-host circuit breaker openings. Unit <c>{break}</c>.</summary>
    public const string CircuitBreaks = "imagekit.download.circuit_breaks";

    /// <summary>Histogram of decode durations (headers and first frame set-up), tag <c>imagekit.decode.outcome</c> = <c>success</c> | <c>failure</c>. Unit <c>s</c>.</summary>
    public const string DecodeDuration = "imagekit.decode.duration";

    /// <summary>
    /// Counter of <see cref="ImageManager.LoadImageAsync"/> calls finished, tags <c>imagekit.load.source</c> =
    /// <c>memory</c> | <c>disk</c> | <c>network</c> | <c>none</c>, <c>imagekit.load.outcome</c> = <c>success</c> |
    /// <c>failure</c> | <c>cancelled</c>, and on failures only <c>error.type</c> = the exception's full type name. Unit <c>{load}</c>.
    /// </summary>
    public const string Loads = "imagekit.loads";

    /// <summary>
    /// Histogram of <see cref="ImageManager.LoadImageAsync"/> durations, tags as <see cref="Loads"/>
    /// (<c>imagekit.load.source</c>, <c>imagekit.load.outcome</c>, <c>error.type</c> on failures). Unit <c>s</c>.
    /// </summary>
    public const string LoadDuration = "imagekit.load.duration";

    /// <summary>Counter of frames that became a player's current frame. Unit <c>{frame}</c>.</summary>
    public const string FramesShown = "imagekit.player.frames_shown";

    /// <summary>Counter of frames whose time passed without being shown. Unit <c>{frame}</c>.</summary>
    public const string FramesSkipped = "imagekit.player.frames_skipped";

    /// <summary>Up-down counter of players playing now. Unit <c>{player}</c>.</summary>
    public const string PlayersPlaying = "imagekit.player.playing";

    /// <summary>
    /// Observable gauge of decoded frame bytes held by players' buffers, tag <c>imagekit.frame_budget</c> = <c>shared</c>
    /// (<see cref="Animation.FrameBudget.Shared"/>) | <c>other</c> (every other live <see cref="Animation.FrameBudget"/>). Unit <c>By</c>.
    /// </summary>
    public const string FrameBufferBytes = "imagekit.player.frame_buffer.bytes";
}
