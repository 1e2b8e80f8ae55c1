using System.Diagnostics;
using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;
using ImageKit.Loading;
using Microsoft.Extensions.Logging;

namespace ImageKit;

// Logs, metrics and activities of a load, kept beside the pipeline so that the pipeline reads as the pipeline.
public sealed partial class ImageManager
{
    /// <inheritdoc cref="LoadImageCoreAsync(Uri, ImageLoadOptions?, IProgress{ImageLoadProgress}?, CancellationToken)"/>
    /// <remarks>
    /// Each call is an <c>ImageKit.LoadImage</c> activity (tags <c>url.full</c>, <c>imagekit.load.source</c>,
    /// <c>imagekit.load.outcome</c>, and <c>error.type</c> on failure) with child activities per stage, counts in
    /// <c>imagekit.loads</c> and <c>imagekit.load.duration</c>, and a Debug log.
    /// </remarks>
    public Task<ImageLoadResult> LoadImageAsync(Uri url, ImageLoadOptions? options = null, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        IsLoadObserved
            ? LoadObservedAsync(url, options, progress, cancellationToken)
            : LoadImageCoreAsync(url, options, progress, cancellationToken);

    // Whether anyone would see a load's logs, measurements or activity; if not, the load skips the observing layer.
    private bool IsLoadObserved =>
        _metrics.Loads.Enabled || _metrics.LoadDuration.Enabled || _logger.IsEnabled(LogLevel.Debug) || _metrics.Activities.HasListeners();

    private async Task<ImageLoadResult> LoadObservedAsync(Uri url, ImageLoadOptions? options, IProgress<ImageLoadProgress>? progress, CancellationToken cancellationToken)
    {
        using var scope = Contained.StartActivity(_metrics.Activities, ActivityNames.Load);
        var activity = scope.Activity;
        activity?.SetTag(TagNames.UrlFull, url is null ? null : UrlText.Describe(url));
        var started = Stopwatch.GetTimestamp();
        if (url is not null)
        {
            Log.LoadStarted(_logger, new UrlText.Logged(url));
        }

        try
        {
            var result = await LoadImageCoreAsync(url!, options, progress, cancellationToken).ConfigureAwait(false);
            var source = ImageKitMetrics.SourceTag(result.Source);
            var seconds = RecordLoad(activity, started, source, "success");
            Log.LoadFinished(_logger, new UrlText.Logged(result.Url), result.Source, seconds * 1000);
            return result;
        }
        catch (Exception e) when (url is not null && !IsCallersMistake(e))
        {
            var outcome = ImageKitMetrics.OutcomeTag(e);
            RecordLoad(activity, started, "none", outcome, ImageKitMetrics.ErrorTypeTag(e));
            if (e is OperationCanceledException)
            {
                // Cancelling is the app's choice, not an error (OpenTelemetry: Error status goes with an error.type).
                Log.LoadCancelled(_logger, new UrlText.Logged(url));
            }
            else
            {
                // The message may come from an app's loader or cache, which can name the URL it was given: not its secrets.
                var reason = UrlText.HideIn(e.Message, url);
                activity?.SetStatus(ActivityStatusCode.Error, reason);
                Log.LoadFailed(_logger, new UrlText.Logged(url), reason);
            }

            throw;
        }
    }

    // What the manager throws before a load begins (contradicting options, a CacheKey function that made no key, a disposed
    // manager) is no load. An ArgumentException or ObjectDisposedException from further in (an app's loader or cache) is a
    // failed load like any other.
    private bool IsCallersMistake(Exception e) =>
        e is ArgumentException { ParamName: "options" or "url" }
        || (e is ObjectDisposedException disposed && disposed.ObjectName == GetType().FullName);

    // errorType: the failure's error.type, null for a success or a cancellation. TagList keeps up to eight tags inline, so
    // a load's tags allocate nothing.
    private double RecordLoad(Activity? activity, long started, string source, string outcome, string? errorType = null)
    {
        var seconds = ImageKitMetrics.Seconds(started);
        var tags = new TagList { { TagNames.LoadSource, source }, { TagNames.LoadOutcome, outcome } };
        if (errorType is not null)
        {
            tags.Add(TagNames.ErrorType, errorType);
        }

        Contained.Add(_metrics.Loads, 1, tags);
        Contained.Record(_metrics.LoadDuration, seconds, tags);
        activity?.SetTag(TagNames.LoadSource, source);
        activity?.SetTag(TagNames.LoadOutcome, outcome);
        if (errorType is not null)
        {
            activity?.SetTag(TagNames.ErrorType, errorType);
        }

        return seconds;
    }

    // The stage wrappers hand back the stage's own task when nobody listens to the activity source: a memory hit is a few
    // hundred nanoseconds, and another async layer per stage would be a measurable part of it.
    private Task<ImageCacheResult?> QueryCacheTracedAsync(string key, ImageCacheType cacheType, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken) =>
        _metrics.Activities.HasListeners()
            ? QueryCacheWithActivityAsync(key, cacheType, decodeOptions, cancellationToken)
            : CacheTasks.Checked(Cache.QueryAsync(key, cacheType, decodeOptions, cancellationToken), Cache);

    private async Task<ImageCacheResult?> QueryCacheWithActivityAsync(string key, ImageCacheType cacheType, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken)
    {
        using var scope = Contained.StartActivity(_metrics.Activities, ActivityNames.CacheQuery);
        var hit = await CacheTasks.Checked(Cache.QueryAsync(key, cacheType, decodeOptions, cancellationToken), Cache).ConfigureAwait(false);
        scope.Activity?.SetTag(TagNames.CacheHit, hit is null ? "none" : ImageKitMetrics.TierTag(hit.Source == ImageCacheType.Memory));
        return hit;
    }

    private Task<ImageLoaderResponse> LoadTracedAsync(IImageLoader loader, ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress, CancellationToken cancellationToken) =>
        _metrics.Activities.HasListeners()
            ? LoadWithActivityAsync(loader, request, progress, cancellationToken)
            : loader.LoadAsync(request, progress, cancellationToken);

    private async Task<ImageLoaderResponse> LoadWithActivityAsync(IImageLoader loader, ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress, CancellationToken cancellationToken)
    {
        using var scope = Contained.StartActivity(_metrics.Activities, ActivityNames.Download);
        var response = await (loader.LoadAsync(request, progress, cancellationToken) ?? Task.FromResult<ImageLoaderResponse>(null!)).ConfigureAwait(false);
        scope.Activity?.SetTag(TagNames.DownloadBodySize, response?.Data.Length);
        return response!; // a loader's null is reported by the caller, as without tracing
    }

    private AnimatedImage DecodeTraced(ReadOnlyMemory<byte> data, bool dataIsPinned, ImageDecodeOptions decodeOptions)
    {
        using var scope = Contained.StartActivity(_metrics.Activities, ActivityNames.Decode);
        var started = Stopwatch.GetTimestamp();
        var outcome = "failure";
        try
        {
            // A smaller or transformed still is decoded now and kept as its pixels alone (see StillVariant).
            var image = StillVariant.KeepAsPixels((dataIsPinned ? _decoders.DecodePinned(data, decodeOptions) : _decoders.Decode(data.Span, decodeOptions)));
            outcome = "success";
            return image;
        }
        catch (ImageKitException e)
        {
            Log.DecodeFailed(_logger, decodeOptions.SourceName, e.Message);
            throw;
        }
        finally
        {
            Contained.Record(_metrics.DecodeDuration, ImageKitMetrics.Seconds(started), new TagList { { TagNames.DecodeOutcome, outcome } });
        }
    }

    private Task StoreTracedAsync(string key, AnimatedImage image, ReadOnlyMemory<byte> data, DiskCacheMetadata metadata, ImageCacheType storeTo, ImageLoadOptions options, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken) =>
        _metrics.Activities.HasListeners()
            ? StoreWithActivityAsync(key, image, data, metadata, storeTo, options, decodeOptions, cancellationToken)
            : StoreAsync(key, image, data, metadata, storeTo, options, decodeOptions, cancellationToken);

    // The activity covers the memory store and, when the load waits for it, the disk store; a background disk store
    // finishes after the load's activity has ended.
    private async Task StoreWithActivityAsync(string key, AnimatedImage image, ReadOnlyMemory<byte> data, DiskCacheMetadata metadata, ImageCacheType storeTo, ImageLoadOptions options, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken)
    {
        using var scope = Contained.StartActivity(_metrics.Activities, ActivityNames.Store);
        await StoreAsync(key, image, data, metadata, storeTo, options, decodeOptions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The names of the activities of a load.</summary>
    internal static class ActivityNames
    {
        public const string Load = "ImageKit.LoadImage";
        public const string CacheQuery = "ImageKit.CacheQuery";
        public const string Download = "ImageKit.Download";
        public const string Decode = "ImageKit.Decode";
        public const string Store = "ImageKit.Store";
    }
}
