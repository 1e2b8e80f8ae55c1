using System.Collections.Concurrent;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace ImageKit.Loading.Internal;

/// <summary>
/// One Polly pipeline per host (scheme, host and port): retry outside, the host's circuit breaker in the middle, the
/// attempt timeout inside; a retry's wait lends the download's queue slot out, and the next attempt takes one again
/// (<see cref="RetrySlotStrategy"/>) before it reaches the breaker; so each attempt is timed on its own and every attempt counts towards the breaker (but one whose
/// download was cancelled: see CountsAsFailure).
/// </summary>
/// <remarks>
/// Retry and timeout hold no state; only the breaker must be per host, but one pipeline per host keeps the composition in
/// one place. The map grows with the number of distinct hosts, which for an image loader is small.
/// </remarks>
internal sealed class HostResiliencePipelines(ImageDownloaderOptions options, DownloadQueue queue, ILogger logger, ImageKitMetrics metrics)
{
    private readonly ConcurrentDictionary<string, ResiliencePipeline<AttemptResult>> _pipelines = new(StringComparer.Ordinal);

    // Read now, not when a host is first met: the options are "read once when the downloader is created", and the app
    // may change (or reuse) its instances afterwards.
    private readonly ImageDownloadRetryOptions _retry = options.Retry.Copy();
    private readonly ImageDownloadCircuitBreakerOptions _breaker = options.CircuitBreaker.Copy();
    // Polly reads the wall time for its breaker: given one that moves only with the monotonic clock, a wall clock set back
    // or forward while a circuit is open neither stretches nor cuts the break.
    private readonly TimeProvider _time = new ImageKit.Internal.MonotonicClock(options.TimeProvider);
    private readonly TimeSpan _attemptTimeout = options.AttemptTimeout;
    private readonly Action<int, TimeSpan>? _retryScheduled = options.RetryScheduled;

    // Scheme, host and port, never the user information (GetLeftPart(Authority) keeps it): the key names the host in logs.
    // A name in Unicode (bücher.example) as its punycode (xn--bcher-kva.example), which is where the request goes: one
    // host, one circuit, however a URL spells it (Authority keeps the Unicode form).
    public static string HostKey(Uri url) => url.HostNameType == UriHostNameType.Dns
        ? $"{url.Scheme}://{url.IdnHost}{(url.IsDefaultPort ? string.Empty : ":" + url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))}"
        : $"{url.Scheme}://{url.Authority}";

    /// <summary>
    /// Whether the pipelines retry, and so need the download in their context (<see cref="RetrySlotStrategy.Download"/>)
    /// to lend its slot out for a retry's wait.
    /// </summary>
    public bool Retries => _retry.MaxRetries > 0;

    public ResiliencePipeline<AttemptResult> For(Uri url) => _pipelines.GetOrAdd(HostKey(url), static (host, self) => self.Create(host), this);

    /// <summary>Whether an outcome is worth another attempt and counts as a failure of the host.</summary>
    public static bool IsTransient(Outcome<AttemptResult> outcome) => outcome.Exception switch
    {
        null => outcome.Result?.IsTransientStatus == true,
        TransientDownloadException or TimeoutRejectedException => true,
        HttpRequestException http => http.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError => !IsRefusedByTls(http),
            HttpRequestError.ConfigurationLimitExceeded => false,
            _ => !IsUnknownHost(http),
        },
        OperationCanceledException => false,
        IOException => true,
        _ => false,
    };

    /// <summary>
    /// The resolver's answer that the name does not exist (NXDOMAIN: <see cref="SocketError.HostNotFound"/> or
    /// <see cref="SocketError.NoData"/>): asking again a moment later gets the same answer, so it is not retried (a
    /// mistyped or dead host cost four lookups and the backoff between them). A resolver that could not answer
    /// (<see cref="SocketError.TryAgain"/>, as when the network is down on Linux) is retried as before.
    /// </summary>
    private static bool IsUnknownHost(HttpRequestException http) =>
        ImageDownloader.FindSocketError(http) is SocketError.HostNotFound or SocketError.NoData;

    /// <summary>
    /// Whether a TLS connection failed because this client refuses what the server offers (its certificate, its protocol
    /// versions or ciphers: an <see cref="System.Security.Authentication.AuthenticationException"/>), which the next
    /// attempt would meet again; not a handshake the server cut off (closed or reset: an <see cref="IOException"/>), which
    /// is a connection error like any other.
    /// </summary>
    private static bool IsRefusedByTls(HttpRequestException http)
    {
        for (Exception? e = http.InnerException; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the breaker counts an attempt's outcome as a failure of the host (or else as a success).</summary>
    /// <remarks>
    /// An attempt its download's caller cancelled never heard from the host, and Polly counts every outcome it does not
    /// handle as a success: a burst of cancelled attempts (a list scrolled past) would dilute the failure ratio of a
    /// closed circuit until it never opens for a host that failed every attempt that ended, and an attempt that began
    /// before the circuit opened, cancelled while it is half-open, would close it before its trial has answered. So such
    /// an attempt is not counted at all: its cancellation is thrown from here, which leaves the breaker before it records
    /// the outcome (the retry outside takes it as the attempt's outcome, and does not retry it). Only the half-open
    /// circuit's trial (see <see cref="TrialMarkStrategy"/>) counts as a failure when cancelled, so that the circuit
    /// opens again instead of letting every queued request through to a host that may still be down.
    /// </remarks>
    /// <exception cref="OperationCanceledException">The attempt's download was cancelled, and it was not the trial.</exception>
    /// <exception cref="AppCallbackException">The app's code failed the attempt, and it was not the trial.</exception>
    /// <exception cref="ImageDownloadException">The request modifier made a request that cannot be sent, and it was not the trial.</exception>
    private static bool CountsAsFailure(CircuitBreakerPredicateArguments<AttemptResult> args)
    {
        if (args.Outcome.Exception is OperationCanceledException cancelled)
        {
            if (args.Context.Properties.GetValue(TrialMarkStrategy.IsTrial, false))
            {
                return true;
            }

            if (args.Context.CancellationToken.IsCancellationRequested)
            {
                ExceptionDispatchInfo.Throw(cancelled);
            }
        }

        // The app's code failed the attempt (its request modifier or status check threw, or the modifier made a request
        // that cannot be sent): that tells nothing of the host either, and is not counted as its success. A trial ended so
        // has not shown the host is back: the circuit opens again, as for a cancelled trial.
        if (args.Outcome.Exception is AppCallbackException or ImageDownloadException { Failure: ImageDownloadFailure.InvalidRequest })
        {
            if (args.Context.Properties.GetValue(TrialMarkStrategy.IsTrial, false))
            {
                return true;
            }

            ExceptionDispatchInfo.Throw(args.Outcome.Exception);
        }

        return IsTransient(args.Outcome);
    }

    private static string Describe(Outcome<AttemptResult> outcome) => outcome.Exception is { } e
        ? e.GetType().Name + ": " + UrlText.HideUrlSecretsIn(e.Message) // .NET's may name a proxy with its password
        : $"HTTP {(int?)outcome.Result?.StatusCode}";

    private ResiliencePipeline<AttemptResult> Create(string host)
    {
        var builder = new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = _time };
        var retry = _retry;
        if (retry.MaxRetries > 0)
        {
            var maxDelay = retry.MaxDelay;
            var observer = _retryScheduled;
            builder.AddRetry(new RetryStrategyOptions<AttemptResult>
            {
                MaxRetryAttempts = retry.MaxRetries,
                Delay = retry.BaseDelay,
                MaxDelay = maxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result?.RetryAfter is { } retryAfter ? (TimeSpan?)(retryAfter > maxDelay ? maxDelay : retryAfter) : null),
                OnRetry = args =>
                {
                    observer?.Invoke(args.AttemptNumber + 1, args.RetryDelay);
                    Contained.Add(metrics.DownloadRetries, 1);
                    Log.RetryScheduled(logger, host, args.RetryDelay.TotalMilliseconds, args.AttemptNumber + 1, Describe(args.Outcome));

                    // Polly waits right after this: the slot does not stay idle meanwhile.
                    RetrySlotStrategy.LendSlot(queue, args.Context, args.RetryDelay);
                    return default;
                },
            });
            builder.AddStrategy(_ => new RetrySlotStrategy(queue));
        }

        var breaker = _breaker;
        if (breaker.Enabled)
        {
            // What the breaker makes of cancelled attempts: see CountsAsFailure.
            var breakerState = new CircuitBreakerStateProvider();
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptResult>
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                StateProvider = breakerState,
                ShouldHandle = static args => ValueTask.FromResult(CountsAsFailure(args)),
                OnOpened = args =>
                {
                    Contained.Add(metrics.CircuitBreaks, 1);
                    Log.CircuitOpened(logger, host, args.BreakDuration.TotalSeconds);
                    return default;
                },
                OnClosed = _ =>
                {
                    Log.CircuitClosed(logger, host);
                    return default;
                },
            });

            // Inside the breaker, once per attempt: whether it is the half-open circuit's trial (see ShouldHandle above).
            builder.AddStrategy(_ => new TrialMarkStrategy(breakerState));
        }

        builder.AddTimeout(_attemptTimeout);
        return builder.Build();
    }
}
