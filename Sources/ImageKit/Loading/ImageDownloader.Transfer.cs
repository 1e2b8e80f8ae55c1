using System.Globalization;
using System.Net;
using System.Diagnostics;
using System.Net.Sockets;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;
using ImageKit.Loading.Internal;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ImageKit.Loading;

public sealed partial class ImageDownloader
{
    /// <summary>Runs one shared download in its queue slot; never throws, completes the download's task instead.</summary>
    /// <remarks>
    /// Logging and metrics run through <see cref="Diagnose{TState}"/>: an app's logger or meter listener that throws must
    /// never leave the download's waiters without a result (they would wait forever).
    /// </remarks>
    private async Task RunAsync(SharedDownload download)
    {
        var token = download.Cancellation.Token;
        var tally = new AttemptTally();
        var url = download.Request.Url;
        var started = Stopwatch.GetTimestamp();
        Diagnose(static s => Log.DownloadStarted(s.Logger, new UrlText.Logged(s.Url)), (Logger: _logger, Url: url));
        try
        {
            // A body an earlier download of this request left cut off (not of a conditional request: its answer may be a
            // 304). One abandoned a moment ago may still be unwinding: what it received is kept only as it ends.
            if (download.Request is { IfNoneMatch: null, IfModifiedSince: null })
            {
                await AwaitPredecessorAsync(download, token).ConfigureAwait(false);
                download.Resume = _resumable.Take(download.Key);
            }

            var pipeline = _pipelines.For(url);

            // A pooled context, as Polly takes one anyway: the retry's wait finds the download in it to lend its slot out.
            var context = ResilienceContextPool.Shared.Get(token);
            if (_pipelines.Retries)
            {
                context.Properties.Set(RetrySlotStrategy.Download, download);
            }

            AttemptResult result;
            try
            {
                result = await pipeline.ExecuteAsync(
                    static async (attempt, state) =>
                    {
                        var (self, shared, counts, outerToken) = state;
                        var attemptToken = attempt.CancellationToken;
                        counts.Attempts++;
                        if (shared.Resume is { } resumed)
                        {
                            Diagnose(static s => Log.DownloadResumed(s.Logger, new UrlText.Logged(s.Url), s.Count), (Logger: self._logger, Url: shared.Request.Url, resumed.Count));
                        }

                        try
                        {
                            // The app's code sees the attempt's token through a shield: a callback of its own that throws on
                            // cancellation must not throw into the timeout's timer (an unhandled exception there ends the
                            // process), Dispose or a caller leaving. It is logged instead.
                            using var shield = self._shieldsAttempts ? new ShieldedCancellation(self._logger, attemptToken) : null;
                            return await self._transfer.SendAsync(shared, shield?.Token ?? attemptToken).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (attemptToken.IsCancellationRequested && !outerToken.IsCancellationRequested)
                        {
                            // Only the attempt timeout cancels the attempt without cancelling the download.
                            counts.Timeouts++;
                            throw;
                        }
                        catch (ImageDownloadException e) when (e.Failure == ImageDownloadFailure.InvalidRequest)
                        {
                            // Refused before it was sent (what the request modifier made of it): no HTTP attempt was made.
                            counts.Attempts--;
                            throw;
                        }
                    },
                    context,
                    (this, download, tally, token)).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }

            if (result.Response is { } response)
            {
                response.Attempts = tally.Attempts;
                Diagnose(static s => s.Self.RecordSuccess(s.Url, s.Response, s.Started), (Self: this, Url: url, Response: response, Started: started));
                download.Completion.TrySetResult(response);
            }
            else
            {
                // Retries ran out on transient statuses (5xx, 408, 429): what an earlier attempt received is still good.
                KeepResumable(download);
                var reason = $"HTTP {ImageHttpTransfer.Describe(result.StatusCode, result.ReasonPhrase)}{After(tally.Attempts)}";
                Fail(download, new ImageDownloadException(url, ImageDownloadFailure.HttpStatus, reason, result.StatusCode, tally.Attempts), started);
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            Diagnose(static s => s.Metrics.DownloadDuration.Record(ImageKitMetrics.Seconds(s.Started), new KeyValuePair<string, object?>(TagNames.DownloadOutcome, "cancelled")), (Metrics: _metrics, Started: started));
            download.Completion.TrySetCanceled(token);
            KeepResumable(download);
        }
        catch (Exception ex)
        {
            var failure = Translate(ex, url, tally);
            if (failure is ImageDownloadException { Failure: ImageDownloadFailure.Network or ImageDownloadFailure.Truncated or ImageDownloadFailure.Timeout or ImageDownloadFailure.CircuitOpen })
            {
                // Kept before the download is complete, so that a download that waits for this one's slot finds it.
                KeepResumable(download);
            }

            Fail(download, failure, started);
        }
        finally
        {
            _coalescer.Complete(download);
            download.Dispose();
        }
    }

    // A cancelled download unwinds in microseconds (its socket read is aborted); one still running an app's request
    // modifier may take longer, and this download does not wait for it beyond Options.PredecessorPatience (250 ms): it
    // starts over.
    private async ValueTask AwaitPredecessorAsync(SharedDownload download, CancellationToken cancellationToken)
    {
        if (download.Predecessor is not { } previous)
        {
            return;
        }

        if (!previous.Unwound.IsCompleted)
        {
            try
            {
                await previous.Unwound.WaitAsync(_options.PredecessorPatience, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        // Cleared only once waited for: one left while it waits passes it on (RequestCoalescer.Complete).
        download.Predecessor = null;
    }

    // What a cut-off body left, for the next download of the same request; not once the downloader is disposed (the store
    // is closed then, so a download racing with Dispose cannot put a body back).
    private void KeepResumable(SharedDownload download)
    {
        if (download.Resume is { } partial)
        {
            _resumable.Keep(download.Key, partial);
        }

        download.Resume = null;
    }

    private void Fail(SharedDownload download, Exception failure, long started)
    {
        Diagnose(static s => s.Self.RecordFailure(s.Url, s.Failure, s.Started), (Self: this, Url: download.Request.Url, Failure: failure, Started: started));
        if (download.Completion.TrySetException(failure))
        {
            // Observed here: the waiters get it by awaiting, but the last one may have stopped waiting just before (its
            // wait, cancelled from a UI thread, resumes on a pool thread, and only then cancels the download), and then
            // nobody would: it must not reach TaskScheduler.UnobservedTaskException.
            _ = download.Completion.Task.Exception;
        }
    }

    // Logging and metrics never fail a download: what the app's logger or listener throws is dropped here.
    private static void Diagnose<TState>(Action<TState> record, TState state)
    {
        try
        {
            record(state);
        }
#pragma warning disable CA1031 // A failing logger or meter listener is the app's bug; the download's outcome must still reach its waiters.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
        }
    }

    private void RecordSuccess(Uri url, ImageDownloadResponse response, long started)
    {
        // Each measurement on its own: a listener that throws on one drops that one alone, not the others or the log.
        var seconds = ImageKitMetrics.Seconds(started);
        Contained.Add(_metrics.DownloadBytes, response.Data.Length);
        if (response.ResumedBytes > 0)
        {
            Contained.Add(_metrics.DownloadResumedBytes, response.ResumedBytes);
        }

        Contained.Record(_metrics.DownloadDuration, seconds, new TagList { { TagNames.DownloadOutcome, "success" } });
        Log.DownloadFinished(_logger, new UrlText.Logged(url), response.HttpVersion, (int)response.StatusCode, response.Data.Length, response.Attempts, seconds * 1000);
    }

    private void RecordFailure(Uri url, Exception ex, long started)
    {
        Contained.Record(_metrics.DownloadDuration, ImageKitMetrics.Seconds(started), new TagList { { TagNames.DownloadOutcome, "failure" } });
        if (ex is ImageDownloadException download)
        {
            Log.DownloadFailed(_logger, new UrlText.Logged(url), download.Failure, download.Message);
        }
    }

    private Exception Translate(Exception ex, Uri url, AttemptTally tally)
    {
        var attempts = tally.Attempts;
        switch (ex)
        {
            case AppCallbackException callback when callback.InnerException is { } own:
                return own; // the app's own exception, as its code threw it
            case ImageDownloadException download:
                download.Attempts = attempts;
                return download;
            case BrokenCircuitException broken:
                var host = url.IsDefaultPort ? $"{url.Host}:{url.Port}" : url.Authority;
                var retryIn = broken.RetryAfter is { } after ? $"; it closes for a trial in {FormatDuration(after)}" : string.Empty;
                return new ImageDownloadException(url, ImageDownloadFailure.CircuitOpen, $"circuit open for {host} after repeated failures{retryIn}; {(attempts == 0 ? "no request was sent" : $"gave up after {attempts} attempt{(attempts == 1 ? "" : "s")}")}", null, attempts, ex);
            case TimeoutRejectedException:
                var each = tally.Timeouts >= attempts ? (attempts == 1 ? "on its only attempt" : $"on each of {attempts} attempts") : $"on the last of {attempts} attempts";
                return new ImageDownloadException(url, ImageDownloadFailure.Timeout, $"timed out after {FormatDuration(_options.AttemptTimeout)} {each}", null, attempts, ex);
            case TransientDownloadException transient:
                return new ImageDownloadException(url, transient.Failure, transient.Message + After(attempts), null, attempts, ex);
            case HttpRequestException http:
                return new ImageDownloadException(url, ImageDownloadFailure.Network, $"{DescribeNetworkError(http)}{ThroughProxy(url)}{After(attempts)}", http.StatusCode, attempts, ex);
            case IOException io:
                return new ImageDownloadException(url, ImageDownloadFailure.Network, $"the connection failed: {io.Message}{After(attempts)}", null, attempts, ex);
            default:
                return ex;
        }
    }

    private static string DescribeNetworkError(HttpRequestException ex)
    {
        var socketError = FindSocketError(ex);
        var what = socketError switch
        {
            SocketError.ConnectionReset => "the connection was reset by the server",
            SocketError.ConnectionRefused => "the connection was refused",
            SocketError.HostNotFound or SocketError.NoData => "the host name could not be resolved",
            SocketError.TimedOut => "the connection timed out",
            _ => ex.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "the host name could not be resolved",
                HttpRequestError.ConnectionError => "could not connect",
                HttpRequestError.SecureConnectionError => "the TLS connection failed",
                HttpRequestError.ResponseEnded => "the server closed the connection before a complete response",
                HttpRequestError.InvalidResponse => "the server sent an invalid HTTP response",
                _ => "the request failed",
            },
        };
        var innermost = ex.GetBaseException().Message;
        // The outer message often quotes the innermost one ("Connection refused (host:port)" over "Connection refused").
        // Either may quote the server ("Received an invalid status line: '…'"): clipped. .NET names a proxy that refused
        // its tunnel with the password of its URL ("… to proxy 'http://user:password@proxy:3128/' failed"): hidden.
        var message = UrlText.HideUrlSecretsIn(ex.Message);
        return ex.Message.Contains(innermost, StringComparison.Ordinal)
            ? $"{what} ({ServerText.Clip(message)})"
            : $"{what} ({ServerText.Clip(message)} {ServerText.Clip(UrlText.HideUrlSecretsIn(innermost))})";
    }

    // A network error of a request sent through a proxy is the proxy's connection's: said, so that a proxy that is down
    // is not read as the image host refusing (the address in .NET's message is the proxy's).
    private string ThroughProxy(Uri url) =>
        _sendsThroughOwnHandler && LoopbackBypassingProxy.Default.GetProxy(url) is { } proxy ? $" through the proxy {UrlText.RedactedUri(proxy).GetLeftPart(UriPartial.Authority)}" : string.Empty;

    /// <summary>The error of the first <see cref="SocketException"/> among <paramref name="ex"/> and its inner exceptions.</summary>
    internal static SocketError? FindSocketError(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException socket)
            {
                return socket.SocketErrorCode;
            }
        }

        return null;
    }

    private static string After(int attempts) => attempts > 1 ? $" after {attempts} attempts" : string.Empty;

    internal static string FormatDuration(TimeSpan duration) => duration.TotalSeconds >= 1
        ? $"{duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s"
        : $"{duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms";

    /// <summary>Counts of one download's attempts; written by one attempt at a time.</summary>
    private sealed class AttemptTally
    {
        public int Attempts { get; set; }

        public int Timeouts { get; set; }
    }
}
