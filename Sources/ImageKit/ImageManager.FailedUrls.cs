using System.Net;
using ImageKit.Diagnostics.Internal;
using ImageKit.Decoding;
using ImageKit.Internal;
using ImageKit.Loading;
using ImageKit.Loading.Internal;

namespace ImageKit;

// The failed-URL memory (ImageLoadOptions.RetryFailed, ImageManagerOptions.FailedUrlRetention): what failed for a lasting
// reason fails fast for a while.
public sealed partial class ImageManager
{
    // A failure of the source (an HTTP 4xx, a body that is no image) belongs to the URL as requested, not to the cache key:
    // a custom CacheKey that leaves out a signed URL's signature must not let an expired signature (a 403) block the
    // freshly signed URL. A failure met with some headers (a 401 without a token) says nothing of a load with others. A
    // host in Unicode is one host with its punycode, as in the cache key.
    private static string SourceFailureKey(Uri url, ImageLoadOptions options) => WithHeaders("source\n" + PunycodeHost.In(url, url.AbsoluteUri), options);

    // A failure of decoding belongs to the bytes (the cache key) and to how they are decoded: too many frames for the
    // limits as a whole animation says nothing of the first frame alone.
    private static string DecodeFailureKey(string key, ImageLoadOptions options, ImageDecodeOptions decodeOptions) =>
        WithHeaders("decode\n" + Caching.Internal.MemoryCacheKey.For(key, decodeOptions), options);

    private static string WithHeaders(string failureKey, ImageLoadOptions options) =>
        options.Headers is { Count: > 0 } headers ? failureKey + "\n" + DownloadKey.CanonicalHeaders(headers) : failureKey;

    // Whether a failure may be remembered; false only as long as none ever was (see _anyFailureRemembered).
    private bool MayHaveFailures => _anyFailureRemembered && !_failedUrls.IsEmpty;

    /// <summary>How many failed URLs are remembered now; for tests.</summary>
    internal int RememberedFailures => _failedUrls.Count;

    /// <param name="key">The failure key (<see cref="SourceFailureKey"/>, <see cref="DecodeFailureKey"/>), or the cache key for a cached copy that is broken.</param>
    /// <param name="reason">Why, for the fast failure's message.</param>
    /// <param name="brokenVariant">
    /// The memory key (cache key and decode options) of a cached copy whose frame failed to decode: loads of that variant
    /// fail fast before looking in the caches. Others of the same bytes (the first frame alone, a thumbnail already made)
    /// may still decode, and load as usual.
    /// </param>
    private void RememberFailure(string key, string reason, string? brokenVariant = null)
    {
        if (_options.FailedUrlRetention <= TimeSpan.Zero)
        {
            return;
        }

        // Measured on the monotonic timestamp, not the wall clock: a clock set back (by years, on a machine that started
        // with a wrong date) would otherwise make a failure fail fast for as long, and one set forward forget it at once.
        _anyFailureRemembered = true;
        _failedUrls[key] = new FailedUrl(_options.TimeProvider.GetTimestamp(), reason, brokenVariant);
        var sweepAt = Volatile.Read(ref _failedUrlsNextSweep);
        if (_failedUrls.Count < sweepAt || Interlocked.CompareExchange(ref _failedUrlsNextSweep, int.MaxValue, sweepAt) != sweepAt)
        {
            return;
        }

        // One thread sweeps (the others see int.MaxValue meanwhile); a distinct URL that fails once and is never asked for
        // again would otherwise stay for the manager's lifetime.
        foreach (var (url, failed) in _failedUrls)
        {
            if (HasExpired(failed))
            {
                _failedUrls.TryRemove(KeyValuePair.Create(url, failed));
            }
        }

        Volatile.Write(ref _failedUrlsNextSweep, Math.Max(FailedUrlsFirstSweep, (int)Math.Min(int.MaxValue / 2, (long)_failedUrls.Count * 2)));
    }

    // Returns whether a remembered failure is retried (RetryFailed) before it expired. `brokenVariantOf`: only a broken
    // cached copy of the variant these decode options make counts (the cache key's entry, see RememberFailure).
    private bool ThrowIfRecentlyFailed(string key, Uri url, ImageLoadOptions options, ImageDecodeOptions? brokenVariantOf = null)
    {
        if (!_failedUrls.TryGetValue(key, out var failed)
            || (brokenVariantOf is not null
                && (failed.BrokenVariant is null || !string.Equals(failed.BrokenVariant, Caching.Internal.MemoryCacheKey.For(key, brokenVariantOf), StringComparison.Ordinal))))
        {
            return false;
        }

        if (options.RetryFailed || HasExpired(failed))
        {
            _failedUrls.TryRemove(KeyValuePair.Create(key, failed));
            return !HasExpired(failed);
        }

        var until = RetriedAfter(failed);
        Log.FailedUrlFastFail(_logger, new UrlText.Logged(url), until);
        throw new ImageLoadException(url, $"failed recently and is not retried until {until:u} (ImageLoadOptions.RetryFailed): {failed.Reason}");
    }

    private bool HasExpired(FailedUrl failed) => _options.TimeProvider.GetElapsedTime(failed.Since) >= _options.FailedUrlRetention;

    // When a failure's retention ends, on the wall clock as it reads now (for the message).
    private DateTimeOffset RetriedAfter(FailedUrl failed)
    {
        var now = _options.TimeProvider.GetUtcNow();
        var left = _options.FailedUrlRetention - _options.TimeProvider.GetElapsedTime(failed.Since);
        return left >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + left;
    }

    // Failures that another attempt in a few minutes would meet again; transient ones (timeouts, resets, 5xx, an open
    // circuit, cancellation) are never remembered.
    private static bool IsLasting(ImageKitException e) => e switch
    {
        ImageDownloadException d => d.Failure switch
        {
            ImageDownloadFailure.HttpStatus => d.StatusCode is { } status && (int)status is >= 400 and < 500 && status is not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests,
            ImageDownloadFailure.NotAnImage or ImageDownloadFailure.TooLarge or ImageDownloadFailure.TooManyRedirects => true,
            _ => false,
        },
        ImageDecodingException => true,
        _ => false,
    };

    // Since: when it failed, a TimeProvider.GetTimestamp of the manager's clock.
    // BrokenVariant: the memory key of a cached copy that failed to decode (see RememberFailure).
    private readonly record struct FailedUrl(long Since, string Reason, string? BrokenVariant);
}
