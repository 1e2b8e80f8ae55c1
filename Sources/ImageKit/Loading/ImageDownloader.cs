using ImageKit.Diagnostics;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;
using ImageKit.Loading.Internal;
using Microsoft.Extensions.Logging;

namespace ImageKit.Loading;

/// <summary>
/// Downloads encoded image bytes over HTTP: a bounded queue with priorities, one HTTP request shared by concurrent
/// requests for the same thing, retries with backoff, a per-attempt timeout and a per-host circuit breaker, and response
/// validation (status, size, truncation, "is it an image"). It neither decodes nor caches.
/// </summary>
/// <remarks>All members are thread-safe. One instance per application is the intended use.</remarks>
public sealed partial class ImageDownloader : IDisposable
{
    private readonly HttpClient _client;
    private readonly bool _ownsClient;

    // Whether the client sends through ImageKit's own handler (created here, or for dependency injection), and so through
    // LoopbackBypassingProxy: a network error then names the proxy it went through.
    private readonly bool _sendsThroughOwnHandler;

    // Whether an attempt's token reaches code of the app's (a request modifier, handlers of a client ImageKit did not
    // build), so that it goes through a ShieldedCancellation: ImageKit's own client and handler need no shield, and
    // spare every download the extra token source.
    private readonly bool _shieldsAttempts;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationToken _lifetimeToken;
    private readonly DownloadQueue _queue;
    private readonly RequestCoalescer _coalescer;
    private readonly HostResiliencePipelines _pipelines;
    private readonly ImageHttpTransfer _transfer;
    private readonly ResumableBodies _resumable;
    private readonly Func<SharedDownload, Task> _run;
    private readonly ImageDownloaderOptions _options; // what the downloader runs on; Options shows a copy
    private readonly ILogger _logger;
    private readonly ImageKitMetrics _metrics;
    private int _disposed;

    /// <summary>
    /// Creates a downloader with its own <see cref="SocketsHttpHandler"/> and <see cref="HttpClient"/>, configured from
    /// <paramref name="options"/> (redirects, decompression, certificates) and disposed with the downloader. Its requests
    /// carry a <c>User-Agent: ImageKit/&lt;version&gt;</c> header unless a request sets its own, and ask for HTTP versions up
    /// to <see cref="ImageDownloaderOptions.MaxHttpVersion"/> (by default HTTP/2 over https where the server offers it).
    /// </summary>
    /// <param name="options">The settings; validated and read now. <see langword="null"/> uses the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public ImageDownloader(ImageDownloaderOptions? options = null)
        : this(CreateOwnedClient(options ??= new ImageDownloaderOptions()), options, ownsClient: true)
    {
    }

    /// <summary>
    /// Creates a downloader over an application-supplied <paramref name="httpClient"/>, which it never disposes. Its own
    /// handler settings apply (redirects, certificates, decompression, its <see cref="HttpClient.Timeout"/> as an outer
    /// limit), and so do its <see cref="HttpClient.DefaultRequestVersion"/> and <see cref="HttpClient.DefaultVersionPolicy"/>
    /// (HTTP/1.1 unless the app set them; set 2.0 and <see cref="HttpVersionPolicy.RequestVersionOrLower"/> for HTTP/2);
    /// <see cref="ImageDownloaderOptions.AttemptTimeout"/> applies on top.
    /// </summary>
    /// <param name="httpClient">The client to send requests with.</param>
    /// <param name="options">The settings; validated and read now. <see langword="null"/> uses the defaults.</param>
    public ImageDownloader(HttpClient httpClient, ImageDownloaderOptions? options = null)
        : this(httpClient ?? throw new ArgumentNullException(nameof(httpClient)), options ?? new ImageDownloaderOptions(), ownsClient: false)
    {
    }

    private ImageDownloader(HttpClient client, ImageDownloaderOptions options, bool ownsClient, bool? followsRedirects = null)
    {
        // The application's logger and meter factories may throw too, not only validation.
        try
        {
            // Kept as a copy: what each attempt reads (the size limit, the status check, the request modifier) must not
            // change with the app's instance either, nor with the one Options shows (another copy).
            options.Validate();
            options = options.Snapshot();
            _options = options;
            Options = options.Snapshot();
            _client = client;
            _ownsClient = ownsClient;
            _sendsThroughOwnHandler = ownsClient || followsRedirects is not null;
            _shieldsAttempts = !ownsClient || options.RequestModifier is not null;
            _lifetimeToken = _lifetime.Token;
            _logger = ContainedLogger.Create(options.LoggerFactory, ImageKitDiagnostics.ImageDownloaderCategory);
            _metrics = ImageKitMetrics.For(options.MeterFactory);
            _queue = new DownloadQueue(options.MaxConcurrentDownloads, options.ExecutionOrder);
            _pipelines = new HostResiliencePipelines(options, _queue, _logger, _metrics);
            _transfer = new ImageHttpTransfer(client, options, followsRedirects: followsRedirects ?? (ownsClient && options.MaxRedirects > 0), ownHandler: _sendsThroughOwnHandler);
            _resumable = new ResumableBodies(options.MaxResumableBytes);
            _coalescer = new RequestCoalescer(handsOver: options.MaxResumableBytes > 0, _logger);
            _run = RunAsync;
        }
        catch when (ownsClient)
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The client the downloader sends with (its own, or the application's).</summary>
    internal HttpClient HttpClient => _client;

    /// <summary>A downloader over a client whose handler ImageKit configured from <paramref name="options"/> (the DI client), which it never disposes.</summary>
    internal static ImageDownloader OverConfiguredClient(HttpClient client, ImageDownloaderOptions options) =>
        new(client, options, ownsClient: false, followsRedirects: options.MaxRedirects > 0);

    /// <summary>The settings the downloader was created with. Changing them afterwards has no effect.</summary>
    public ImageDownloaderOptions Options { get; }

    /// <summary>
    /// How many HTTP downloads are in flight now (shared downloads count once). One waiting for a retry (its backoff, a
    /// server's <c>Retry-After</c>) does not hold a slot meanwhile, and counts here only once it has one again.
    /// </summary>
    public int ActiveDownloads => _queue.Active;

    /// <summary>
    /// How many downloads wait for a free slot (shared downloads count once), a retry whose wait is over among them: it takes
    /// the next slot before every request of its priority that has not started.
    /// </summary>
    public int QueuedDownloads => _queue.Queued;

    /// <summary>Bytes of cut-off bodies kept for resuming; for tests.</summary>
    internal long ResumableBytes => _resumable.Bytes;

    /// <summary>Shared downloads not yet completed or abandoned; for tests.</summary>
    internal int TrackedDownloads => _coalescer.Count;

    /// <summary>
    /// Downloads <paramref name="request"/>. A concurrent request for the same URL, headers and validators shares the HTTP
    /// request and its result; progress goes to every caller.
    /// </summary>
    /// <param name="request">What to download.</param>
    /// <param name="progress">
    /// Receives progress on the thread that reads the response (use a synchronous <see cref="IProgress{T}"/> for ordered
    /// reports; <see cref="Progress{T}"/> posts them and may reorder). Exceptions it throws are ignored. No report starts
    /// once this call has completed, even while the shared download goes on for other callers; one already being delivered
    /// on the reading thread at that moment may still finish.
    /// </param>
    /// <param name="cancellationToken">
    /// Stops this caller's wait. The HTTP request itself is cancelled (taken out of the queue, or its connection aborted)
    /// only when every caller sharing it has cancelled.
    /// </param>
    /// <returns>The complete response, or a <c>304</c> response with <see cref="ImageDownloadResponse.NotModified"/>.</returns>
    /// <exception cref="ImageDownloadException">The download failed; <see cref="ImageDownloadException.Failure"/> says how.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled, or the downloader was disposed meanwhile.</exception>
    /// <exception cref="ObjectDisposedException">The downloader is disposed.</exception>
    /// <exception cref="ArgumentException">The URL is not an absolute http or https URL, or the priority is undefined.</exception>
    /// <remarks>Exceptions thrown by <see cref="ImageDownloaderOptions.RequestModifier"/> or <see cref="ImageDownloaderOptions.AcceptStatusCode"/> propagate unchanged and are not retried.</remarks>
    public async Task<ImageDownloadResponse> DownloadAsync(ImageDownloadRequest request, IProgress<ImageDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentNullException.ThrowIfNull(request);
        ValidateUrl(request.Url);
        if (request.Priority is < DownloadPriority.Low or > DownloadPriority.High) // Enum.IsDefined's generic lookup costs ~0.5 µs a call
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Priority, "The request's Priority is not a defined DownloadPriority.");
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Checked before it can share a download, and copied: what the key is made of is what every attempt sends.
        if (request.Headers is not null)
        {
            request = request with { Headers = RequestHeaderRules.Checked(request.Url, request.Headers) };
        }

        // As a header's value: HttpClient would send a NUL, cut a line break short, and refuse a non-ASCII letter only
        // when sending (a network error, retried and counted against the host).
        if (request.IfNoneMatch is { } etag && RequestHeaderRules.ValueProblem("IfNoneMatch", etag) is { } problem)
        {
            throw new ImageDownloadException(request.Url, ImageDownloadFailure.InvalidRequest, problem);
        }

        var waiter = new DownloadWaiter(progress, request.ReportPartialData, request.Priority);
        var (download, created) = _coalescer.Join(DownloadKey.From(request), request, waiter, _run, _lifetimeToken);
        if (created)
        {
            _options.BeforeEnqueue?.Invoke(request);
            try
            {
                _queue.Enqueue(download.QueueItem, download.Cancellation.Token);
            }
            catch (ObjectDisposedException)
            {
                _coalescer.Leave(download, waiter);
                throw;
            }
        }
        else
        {
            // Also before the creator has queued it: it then enters the queue with this priority.
            _queue.Promote(download.QueueItem, request.Priority);
        }

        try
        {
            // A download this call started on its own thread is awaited through its run, not its result: the call then
            // goes on where the run ends, once its slot is free, instead of on another pool thread (one thread switch
            // fewer per download; the result's continuations run asynchronously). Other callers get the result as before.
            // The run is awaited only while the download is not cancelled from outside (Dispose): a run stuck in the app's
            // code (a handler or request modifier that does not listen to its token) must not hold its creator after the
            // callers that joined it got their OperationCanceledException; the result says so then.
            if (created && download.QueueItem.RunningInline is { IsCompleted: false } run)
            {
                using var either = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, download.Token) : null;
                try
                {
                    await run.WaitAsync(either?.Token ?? download.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The download was cancelled: its result, cancelled too, is what this caller gets.
                }
            }

            return await download.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _coalescer.Leave(download, waiter);

            // Still queued for others: it waits with their priority now, not with the one of the caller who left.
            _queue.Reprioritize(download.QueueItem, download.WaitingPriority);
            throw;
        }
        finally
        {
            // Before the call completes: a report under way to the other callers, or a later one (a read that has not
            // unwound yet after Dispose), no longer reaches this caller's handler.
            waiter.End();
        }
    }

    /// <summary>
    /// Cancels every queued and in-flight download (their callers get <see cref="OperationCanceledException"/>) and disposes
    /// the <see cref="HttpClient"/> if the downloader created it. Idempotent and thread-safe.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Cancel first, so that in-flight requests end as cancelled rather than failing on a disposed client. The lifetime
        // source is not disposed: downloads racing with Dispose may still link to its (cancelled) token.
        try
        {
            _lifetime.Cancel();
        }
        catch (AggregateException e)
        {
            // A callback the app registered on a download's token (in a request modifier, in its own handler) threw. Every
            // callback has run all the same; what is left to release must be released, and Dispose must not throw: the
            // app's failure is logged instead.
            RequestCoalescer.LogCancellationCallbackFailures(_logger, e);
        }

        _queue.Complete();

        // The cancellation took the queued downloads out of the queue; they never run, so they are released here.
        _coalescer.ReleaseNeverStarted();
        _resumable.Close();
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private static void ValidateUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Only absolute http and https URLs can be downloaded: '{UrlText.Describe(url)}'.", nameof(url));
        }
    }

    private static HttpClient CreateOwnedClient(ImageDownloaderOptions options)
    {
        // Validated before the client is built from them (and again with the rest, where an app's client is used).
        options.Validate();
        var client = new HttpClient(DownloaderHttp.CreateHandler(options.MaxRedirects, options.AutomaticDecompression, options.AllowInvalidCertificates), disposeHandler: true);
        DownloaderHttp.ConfigureClient(client, options.MaxHttpVersion);
        return client;
    }
}
