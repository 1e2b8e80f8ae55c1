using ImageKit.Loading;

namespace ImageKit.DependencyInjection;

/// <summary>The bindable download settings of <see cref="ImageKitOptions"/>; see <see cref="ImageDownloaderOptions"/> for their meaning.</summary>
public sealed class DownloaderSettings
{
    // The defaults are the downloader's own, read from one place so the two never drift apart.
    private static readonly ImageDownloaderOptions s_defaults = new();

    /// <summary>How many HTTP requests may be in flight at once. 1 to 1024.</summary>
    /// <value>Default: 6.</value>
    public int MaxConcurrentDownloads { get; set; } = s_defaults.MaxConcurrentDownloads;

    /// <summary>The order in which queued downloads of the same priority start.</summary>
    /// <value>Default: <see cref="DownloadExecutionOrder.Fifo"/>.</value>
    public DownloadExecutionOrder ExecutionOrder { get; set; } = s_defaults.ExecutionOrder;

    /// <summary>The time one attempt may take, request to last byte. 10 ms to 1 day.</summary>
    /// <value>Default: 15 s.</value>
    public TimeSpan AttemptTimeout { get; set; } = s_defaults.AttemptTimeout;

    /// <summary>The largest response body accepted, in bytes. 1 to <see cref="ImageDownloaderOptions.MaxResponseBytesLimit"/>.</summary>
    /// <value>Default: 64 MiB.</value>
    public long MaxResponseBytes { get; set; } = s_defaults.MaxResponseBytes;

    /// <summary>
    /// How many bytes of cut-off bodies are kept so that only the rest is downloaded again
    /// (<see cref="ImageDownloaderOptions.MaxResumableBytes"/>); 0 turns resuming off. 0 to
    /// <see cref="ImageDownloaderOptions.MaxResumableBytesLimit"/>.
    /// </summary>
    /// <value>Default: 16 MiB.</value>
    public long MaxResumableBytes { get; set; } = s_defaults.MaxResumableBytes;

    /// <summary>How many redirects are followed; 0 follows none. 0 to 100.</summary>
    /// <value>Default: 10.</value>
    public int MaxRedirects { get; set; } = s_defaults.MaxRedirects;

    /// <summary>Whether gzip, deflate and brotli responses are decompressed.</summary>
    /// <value>Default: <see langword="true"/>.</value>
    public bool AutomaticDecompression { get; set; } = s_defaults.AutomaticDecompression;

    /// <summary>Whether the body must be an image ImageKit recognises from its bytes.</summary>
    /// <value>Default: <see langword="true"/>.</value>
    public bool RequireImageContent { get; set; } = s_defaults.RequireImageContent;

    /// <summary>
    /// The highest HTTP version asked for (1.0, 1.1, 2.0 or 3.0); the server's offer decides up to it. With 2.0, HTTP/2
    /// over https where the server offers it; with 1.1, HTTP/1.1 always.
    /// </summary>
    /// <value>Default: 2.0.</value>
    public Version MaxHttpVersion { get; set; } = s_defaults.MaxHttpVersion;

    /// <summary>Retries of transient failures.</summary>
    /// <value>Default: 3 retries, 200 ms base delay, 10 s maximum delay.</value>
    public ImageDownloadRetryOptions Retry { get; set; } = new();

    /// <summary>The per-host circuit breaker.</summary>
    /// <value>Default: enabled, ratio 0.5 over at least 10 attempts in 30 s, open for 15 s.</value>
    public ImageDownloadCircuitBreakerOptions CircuitBreaker { get; set; } = new();
}
