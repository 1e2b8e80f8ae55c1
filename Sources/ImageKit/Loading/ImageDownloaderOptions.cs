using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace ImageKit.Loading;

/// <summary>
/// Settings of an <see cref="ImageDownloader"/>. They are validated and read when the downloader is created; changing them
/// afterwards has no effect. Not thread-safe: configure, then hand over.
/// </summary>
public sealed class ImageDownloaderOptions
{
    /// <summary>The largest <see cref="MaxResponseBytes"/> accepted: 2 GiB minus a little (one .NET array).</summary>
    public const long MaxResponseBytesLimit = 0x7FFFFFC7;

    /// <summary>
    /// How many HTTP requests may be in flight at once; further downloads wait in the queue. A download waiting to retry
    /// (its backoff, a server's <c>Retry-After</c>) leaves its slot to the queue meanwhile, and takes the next one before
    /// the requests of its priority that have not started. 1 to 1024.
    /// </summary>
    /// <value>Default: 6.</value>
    public int MaxConcurrentDownloads { get; set; } = 6;

    /// <summary>The order in which queued downloads of the same priority start.</summary>
    /// <value>Default: <see cref="DownloadExecutionOrder.Fifo"/>.</value>
    public DownloadExecutionOrder ExecutionOrder { get; set; } = DownloadExecutionOrder.Fifo;

    /// <summary>
    /// The time one attempt may take, from sending the request to the last body byte; an attempt over it is abandoned and
    /// retried like a network error. 10 ms to 1 day. It bounds the whole attempt, not the silence between bytes: raise it
    /// for very large images on slow networks.
    /// </summary>
    /// <value>Default: 15 s.</value>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The largest body accepted. A larger <c>Content-Length</c> is rejected before the body is read, and a body without
    /// one is aborted as soon as it passes the limit, never buffered whole. 1 to <see cref="MaxResponseBytesLimit"/>.
    /// </summary>
    /// <value>Default: 64 MiB.</value>
    public long MaxResponseBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// How many bytes of cut-off response bodies are kept so that only the rest is downloaded: by the next attempt of the
    /// same download (after a reset, a truncated body or the attempt timeout), and by the next download of the same
    /// request after one that failed that way or was cancelled (every caller left, say an image scrolled away from). The
    /// rest is asked for with <c>Range</c> and <c>If-Range</c>, so a changed image is downloaded whole again, never
    /// spliced. Only bodies the server can continue are kept: a <c>200</c> with <c>Accept-Ranges: bytes</c>, a
    /// <c>Content-Length</c>, no <c>Content-Encoding</c> and a strong <c>ETag</c> or a <c>Last-Modified</c> date; never
    /// one of a conditional request. The least recently kept body goes first; held in memory, dropped when the downloader
    /// is disposed. 0 turns resuming off; at most 1 GiB.
    /// </summary>
    /// <value>Default: 16 MiB.</value>
    public long MaxResumableBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>The largest <see cref="MaxResumableBytes"/> accepted: 1 GiB.</summary>
    public const long MaxResumableBytesLimit = 1L << 30;

    /// <summary>
    /// How many redirects are followed; 0 follows none. ImageKit follows them itself and checks every hop: only http and
    /// https targets, never from https down to plain http (either fails with
    /// <see cref="ImageDownloadFailure.TooManyRedirects"/>, not retried), and the request's <c>Authorization</c>,
    /// <c>Proxy-Authorization</c> and <c>Cookie</c> headers go only to the request's own origin, whoever set them (the
    /// request, <see cref="RequestModifier"/>, the client's default headers or an application's message handler). Applies
    /// to the downloader's own client and the dependency-injection client, where redirects are followed below the
    /// application's message handlers; an application-supplied <see cref="HttpClient"/> keeps its own redirect settings.
    /// </summary>
    /// <value>Default: 10.</value>
    public int MaxRedirects { get; set; } = 10;

    /// <summary>Whether gzip, deflate and brotli responses are decompressed (owned handler only).</summary>
    /// <value>Default: <see langword="true"/>.</value>
    public bool AutomaticDecompression { get; set; } = true;

    /// <summary>
    /// DANGEROUS: accepts any TLS certificate, which lets anyone on the network path substitute the images. Meant for
    /// local development servers only. Applies to the handler the downloader creates itself, never to an
    /// application-supplied <see cref="HttpClient"/>.
    /// </summary>
    /// <value>Default: <see langword="false"/>.</value>
    public bool AllowInvalidCertificates { get; set; }

    /// <summary>
    /// The highest HTTP version the downloader's own client asks for; it takes what the server offers up to it. With 2.0,
    /// downloads over https use HTTP/2 where the server offers it (ALPN): all downloads to a host share one connection and
    /// one TLS handshake. Plain http, and servers without HTTP/2, get HTTP/1.1. With 1.1 every download is HTTP/1.1 (a
    /// connection per download in flight): in .NET that costs less CPU where the CPU is the limit (9–12 % on loopback) and
    /// more where the network is (6–11 % with 10 ms of server latency; docs/benchmarks.md). Applies to the client the
    /// downloader creates itself; an application-supplied
    /// <see cref="HttpClient"/>'s <see cref="HttpClient.DefaultRequestVersion"/> and
    /// <see cref="HttpClient.DefaultVersionPolicy"/> decide for it.
    /// </summary>
    /// <value>Default: 2.0. Allowed: 1.0, 1.1, 2.0, 3.0 (HTTP/3 where .NET supports QUIC: Windows and Linux with libmsquic).</value>
    public Version MaxHttpVersion { get; set; } = System.Net.HttpVersion.Version20;

    /// <summary>
    /// Called on every outgoing request (each attempt is a new message) to add headers such as authentication. Redirects
    /// are followed below it: it runs once per message (once per attempt, twice when an attempt's request for the rest of
    /// a cut-off body got an answer that does not continue it), and the <c>Authorization</c>, <c>Proxy-Authorization</c> and
    /// <c>Cookie</c> headers it sets never reach another origin. Runs on a thread-pool thread, possibly concurrently for
    /// different requests. A URL it sets must be an absolute http or https URL (or a relative one under an
    /// application-supplied client's <see cref="HttpClient.BaseAddress"/>); any other fails the download with
    /// <see cref="ImageDownloadFailure.InvalidRequest"/>, unsent and not retried. So does, with the downloader's own client
    /// (and the dependency-injection one), a header value it sets with anything but printable ASCII, spaces and tabs.
    /// </summary>
    /// <value>Default: <see langword="null"/> (requests go out as built).</value>
    public Func<HttpRequestMessage, CancellationToken, ValueTask>? RequestModifier { get; set; }

    /// <summary>
    /// Decides which final responses count as success. <c>304 Not Modified</c> is handled before this is asked: the
    /// answer to the request's validators, or, to a request that sent none, an <see cref="ImageDownloadFailure.HttpStatus"/>
    /// failure. A <c>206 Partial Content</c> to a request that asked for no range (part of the image, to a request for
    /// all of it) fails with <see cref="ImageDownloadFailure.HttpStatus"/> whatever this says. May run concurrently.
    /// </summary>
    /// <value>Default: <see langword="null"/>, meaning status codes 200 to 299.</value>
    public Func<HttpResponseMessage, bool>? AcceptStatusCode { get; set; }

    /// <summary>
    /// Whether the body must be an image ImageKit recognises from its bytes (GIF, WebP, PNG, APNG, JPEG, BMP, ICO); other
    /// bodies, such as an HTML error page served with status 200, fail with <see cref="ImageDownloadFailure.NotAnImage"/>.
    /// The <c>Content-Type</c> header is never trusted either way.
    /// </summary>
    /// <value>Default: <see langword="true"/>.</value>
    public bool RequireImageContent { get; set; } = true;

    /// <summary>Retries of transient failures.</summary>
    /// <value>Default: 3 retries, 200 ms base delay, 10 s maximum delay.</value>
    public ImageDownloadRetryOptions Retry { get; set; } = new();

    /// <summary>The per-host circuit breaker.</summary>
    /// <value>Default: enabled, ratio 0.5 over at least 10 attempts in 30 s, open for 15 s.</value>
    public ImageDownloadCircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>The clock of retry delays, attempt timeouts and the circuit breaker; tests may pass a fake one.</summary>
    /// <value>Default: <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Where the downloader logs (category <c>ImageKit.ImageDownloader</c>): downloads at Debug, failures at Information,
    /// retries and circuit breaks at Warning.
    /// </summary>
    /// <value>Default: <see langword="null"/> (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Creates the <c>ImageKit</c> meter the downloader reports to.</summary>
    /// <value>Default: <see langword="null"/> (the process-wide <c>ImageKit</c> meter).</value>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// How long a download waits for an abandoned download of the same request to unwind and keep its bytes for resuming
    /// (tests set it longer, to tell waiting from not waiting without timing).
    /// </summary>
    internal TimeSpan PredecessorPatience { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Test hook: called by the caller that starts a shared download, after other callers can join it and before it is
    /// queued.
    /// </summary>
    internal Action<ImageDownloadRequest>? BeforeEnqueue { get; set; }

    /// <summary>Test hook: called when a retry is scheduled, with the attempt that failed (1-based) and the delay chosen.</summary>
    internal Action<int, TimeSpan>? RetryScheduled { get; set; }

    /// <summary>
    /// A copy the downloader keeps (the retry and circuit-breaker settings copied too), so that changing or reusing this
    /// instance afterwards changes nothing it does, down to the settings each attempt reads.
    /// </summary>
    internal ImageDownloaderOptions Snapshot()
    {
        var copy = (ImageDownloaderOptions)MemberwiseClone();
        copy.Retry = Retry.Copy();
        copy.CircuitBreaker = CircuitBreaker.Copy();
        return copy;
    }

    /// <summary>Whether <paramref name="version"/> is one <see cref="MaxHttpVersion"/> accepts: 1.0, 1.1, 2.0 or 3.0.</summary>
    internal static bool IsSupportedHttpVersion(Version? version) =>
        version == System.Net.HttpVersion.Version10 || version == System.Net.HttpVersion.Version11
        || version == System.Net.HttpVersion.Version20 || version == System.Net.HttpVersion.Version30;

    internal void Validate()
    {
        if (MaxConcurrentDownloads is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentDownloads), MaxConcurrentDownloads, "MaxConcurrentDownloads must be between 1 and 1024.");
        }

        if (!IsSupportedHttpVersion(MaxHttpVersion))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxHttpVersion), MaxHttpVersion, "MaxHttpVersion must be 1.0, 1.1, 2.0 or 3.0.");
        }

        if (!Enum.IsDefined(ExecutionOrder))
        {
            throw new ArgumentOutOfRangeException(nameof(ExecutionOrder), ExecutionOrder, "ExecutionOrder is not a defined value.");
        }

        if (AttemptTimeout < TimeSpan.FromMilliseconds(10) || AttemptTimeout > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), AttemptTimeout, "AttemptTimeout must be between 10 ms and 1 day.");
        }

        if (MaxResponseBytes is < 1 or > MaxResponseBytesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxResponseBytes), MaxResponseBytes, $"MaxResponseBytes must be between 1 and {MaxResponseBytesLimit}.");
        }

        if (MaxResumableBytes is < 0 or > MaxResumableBytesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxResumableBytes), MaxResumableBytes, $"MaxResumableBytes must be between 0 and {MaxResumableBytesLimit}.");
        }

        if (MaxRedirects is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRedirects), MaxRedirects, "MaxRedirects must be between 0 and 100.");
        }

        ArgumentNullException.ThrowIfNull(Retry, nameof(Retry));
        ArgumentNullException.ThrowIfNull(CircuitBreaker, nameof(CircuitBreaker));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        Retry.Validate();
        CircuitBreaker.Validate();
    }
}
