using ImageKit.Internal;
using Microsoft.Extensions.Logging;

namespace ImageKit.Diagnostics.Internal;

/// <summary>
/// Every log message ImageKit writes, source-generated. Event ids are stable: 1xxx the manager, 2xxx the downloader, 3xxx
/// the caches. Levels: Debug per load or download, Information for trims and failed downloads, Warning for retries,
/// circuit breaks and undecodable bytes; never Error, since every failure also reaches the caller as an exception.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, EventName = "LoadStarted", Level = LogLevel.Debug, Message = "Loading {Url}")]
    public static partial void LoadStarted(ILogger logger, UrlText.Logged url);

    [LoggerMessage(EventId = 1002, EventName = "LoadFinished", Level = LogLevel.Debug, Message = "Loaded {Url} from {Source} in {ElapsedMilliseconds:0.###} ms")]
    public static partial void LoadFinished(ILogger logger, UrlText.Logged url, ImageLoadSource source, double elapsedMilliseconds);

    [LoggerMessage(EventId = 1003, EventName = "LoadFailed", Level = LogLevel.Debug, Message = "Loading {Url} failed: {Reason}")]
    public static partial void LoadFailed(ILogger logger, UrlText.Logged url, string reason);

    [LoggerMessage(EventId = 1004, EventName = "LoadCancelled", Level = LogLevel.Debug, Message = "Loading {Url} was cancelled")]
    public static partial void LoadCancelled(ILogger logger, UrlText.Logged url);

    [LoggerMessage(EventId = 1005, EventName = "FailedUrlFastFail", Level = LogLevel.Debug, Message = "{Url} failed recently and fails fast until {Until:u}")]
    public static partial void FailedUrlFastFail(ILogger logger, UrlText.Logged url, DateTimeOffset until);

    [LoggerMessage(EventId = 1006, EventName = "DecodeFailed", Level = LogLevel.Warning, Message = "The bytes of {Source} did not decode: {Reason}")]
    public static partial void DecodeFailed(ILogger logger, string? source, string reason);

    [LoggerMessage(EventId = 1007, EventName = "DiskStoreFailed", Level = LogLevel.Warning, Message = "Storing {Key} on disk failed after its load succeeded; the image stays in memory only: {Reason}")]
    public static partial void DiskStoreFailed(ILogger logger, UrlText.LoggedKey key, string reason);

    [LoggerMessage(EventId = 1008, EventName = "UndecodableFrameForgotten", Level = LogLevel.Warning, Message = "A frame of {Source} did not decode ({Reason}); the image was removed from the caches, and its URL fails fast like a failed load")]
    public static partial void UndecodableFrameForgotten(ILogger logger, string? source, string reason);

    [LoggerMessage(EventId = 1009, EventName = "UndecodableImageRemovalFailed", Level = LogLevel.Warning, Message = "Removing {Key}, whose frames do not decode, from the caches failed; the next load that meets it there removes it again: {Reason}")]
    public static partial void UndecodableImageRemovalFailed(ILogger logger, UrlText.LoggedKey key, string reason);

    [LoggerMessage(EventId = 1010, EventName = "WarmUpStepSkipped", Level = LogLevel.Debug, Message = "Warming up with {Name} failed and was skipped: {Reason}")]
    public static partial void WarmUpStepSkipped(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 1011, EventName = "CancellationCallbackFailed", Level = LogLevel.Warning, Message = "A cancellation callback of a load threw while the manager was being disposed; the disposal went on: {Reason}")]
    public static partial void CancellationCallbackFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(EventId = 2001, EventName = "DownloadStarted", Level = LogLevel.Debug, Message = "Downloading {Url}")]
    public static partial void DownloadStarted(ILogger logger, UrlText.Logged url);

    [LoggerMessage(EventId = 2002, EventName = "DownloadFinished", Level = LogLevel.Debug, Message = "Downloaded {Url}: HTTP/{HttpVersion} {StatusCode}, {Bytes} bytes, {Attempts} attempt(s) in {ElapsedMilliseconds:0.###} ms")]
    public static partial void DownloadFinished(ILogger logger, UrlText.Logged url, Version httpVersion, int statusCode, long bytes, int attempts, double elapsedMilliseconds);

    [LoggerMessage(EventId = 2003, EventName = "DownloadFailed", Level = LogLevel.Information, Message = "Downloading {Url} failed ({Failure}): {Reason}")]
    public static partial void DownloadFailed(ILogger logger, UrlText.Logged url, Loading.ImageDownloadFailure failure, string reason);

    [LoggerMessage(EventId = 2004, EventName = "RetryScheduled", Level = LogLevel.Warning, Message = "Retrying a download from {Host} in {DelayMilliseconds:0} ms: attempt {Attempt} failed ({Reason})")]
    public static partial void RetryScheduled(ILogger logger, string host, double delayMilliseconds, int attempt, string reason);

    [LoggerMessage(EventId = 2005, EventName = "CircuitOpened", Level = LogLevel.Warning, Message = "Circuit opened for {Host} for {BreakSeconds:0.#} s after repeated failures; downloads from it fail fast meanwhile")]
    public static partial void CircuitOpened(ILogger logger, string host, double breakSeconds);

    [LoggerMessage(EventId = 2006, EventName = "CircuitClosed", Level = LogLevel.Information, Message = "Circuit closed for {Host}")]
    public static partial void CircuitClosed(ILogger logger, string host);

    [LoggerMessage(EventId = 2007, EventName = "DownloadResumed", Level = LogLevel.Debug, Message = "Resuming {Url} after the {Bytes} bytes kept from a response that was cut off")]
    public static partial void DownloadResumed(ILogger logger, UrlText.Logged url, int bytes);

    [LoggerMessage(EventId = 2008, EventName = "DownloadCancellationCallbackFailed", Level = LogLevel.Warning, Message = "A cancellation callback of a download threw while the download was being cancelled; the cancellation went on: {Reason}")]
    public static partial void DownloadCancellationCallbackFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(EventId = 3001, EventName = "DiskCacheTrimmed", Level = LogLevel.Information, Message = "Disk cache {Directory} trimmed: {Expired} expired and {Evicted} least recently used entries removed, {Bytes} bytes freed")]
    public static partial void DiskCacheTrimmed(ILogger logger, string directory, int expired, int evicted, long bytes);

    [LoggerMessage(EventId = 3002, EventName = "MemoryCacheTrimmed", Level = LogLevel.Information, Message = "Memory cache trimmed under memory pressure to {TargetBytes} bytes")]
    public static partial void MemoryCacheTrimmed(ILogger logger, long targetBytes);

    [LoggerMessage(EventId = 3003, EventName = "UndecodableCacheEntryRemoved", Level = LogLevel.Warning, Message = "Removed the disk cache entry {Key}: its bytes no longer decode ({Reason})")]
    public static partial void UndecodableCacheEntryRemoved(ILogger logger, UrlText.LoggedKey key, string reason);

    [LoggerMessage(EventId = 3005, EventName = "DiskTierUnavailable", Level = LogLevel.Warning, Message = "The disk cache in {Directory} could not be opened; caching in memory only: {Reason}")]
    public static partial void DiskTierUnavailable(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 3006, EventName = "DiskCacheTimesFromTheFutureReset", Level = LogLevel.Warning, Message = "Disk cache {Directory}: {Count} entries had times later than now, written while the clock was ahead; they now count from now")]
    public static partial void DiskCacheTimesFromTheFutureReset(ILogger logger, string directory, int count);

    [LoggerMessage(EventId = 3007, EventName = "DiskCacheTrimAfterWriteFailed", Level = LogLevel.Warning, Message = "Disk cache {Directory}: an entry was stored, but removing least recently used entries to keep the size limit failed; the next write or trim tries again: {Reason}")]
    public static partial void DiskCacheTrimAfterWriteFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 3004, EventName = "StaleTransformedEntryRemoved", Level = LogLevel.Debug, Message = "Removed the stored transformed image of {Key}: the original on disk is not the one it was made from, or it is damaged")]
    public static partial void StaleVariantRemoved(ILogger logger, UrlText.LoggedKey key);
}
