using System.Collections.Concurrent;
using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Diagnostics.Internal;
using ImageKit.Decoding;
using ImageKit.Internal;
using ImageKit.Loading;
using ImageKit.Loading.Internal;

namespace ImageKit;

public sealed partial class ImageManager
{
    private const int FailedUrlsFirstSweep = 1024;
    private readonly ConcurrentDictionary<string, FailedUrl> _failedUrls = new(StringComparer.Ordinal);

    // When the failed-URL list next drops its expired entries: each sweep at least doubles this, so sweeping costs O(1) per
    // failure, and the list never holds more than about twice the failures of one retention period.
    private int _failedUrlsNextSweep = FailedUrlsFirstSweep;

    // Set once any failure has been remembered. Asked before ConcurrentDictionary.IsEmpty, which takes every lock of the
    // table when it is empty: the common case, asked twice on every load past the caches.
    private volatile bool _anyFailureRemembered;

    /// <summary>
    /// Loads the image at <paramref name="url"/>: from the memory cache, else the disk cache, else its loader, decoding and
    /// storing what was loaded (disk gets the encoded bytes, memory the decoded image).
    /// </summary>
    /// <param name="url">An absolute <c>http</c>, <c>https</c> or <c>file</c> URL, or one of a registered loader.</param>
    /// <param name="options">How to load; <see langword="null"/> for <see cref="ImageLoadOptions.Default"/>.</param>
    /// <param name="progress">
    /// Bytes received, when the image is loaded from its URL. No report starts once the load has ended, also from a custom
    /// loader that goes on after its load was cancelled; one being delivered at that moment may still finish.
    /// </param>
    /// <param name="cancellationToken">
    /// Cancels the load: its download leaves the queue (or is aborted) and nothing is stored. A custom loader that ignores
    /// the token is not waited for: the load ends at once, and what the loader returns later is dropped.
    /// </param>
    /// <returns>The result, owned by the caller: dispose it when done with the image.</returns>
    /// <exception cref="ImageKitException">The image cannot be had; the derived type and message say why.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> contradict each other (<see cref="ImageLoadOptions.FromCacheOnly"/> with <see cref="ImageLoadOptions.FromNetworkOnly"/>), or their <see cref="ImageLoadOptions.CacheKey"/> function made no key, or one holding the control character U+001F.</exception>
    private async Task<ImageLoadResult> LoadImageCoreAsync(Uri url, ImageLoadOptions? options, IProgress<ImageLoadProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!_loads.TryEnter())
        {
            // Disposed, or being disposed: a load that began now could outlive Dispose (which waits for those running).
            ObjectDisposedException.ThrowIf(true, this);
        }

        try
        {
            options ??= ImageLoadOptions.Default;
            CheckConsistent(options);
            if (!url.IsAbsoluteUri)
            {
                throw new ImageLoadException(url, "the URL is not absolute");
            }

            var loader = Loaders.Find(url) ?? throw new ImageLoadException(url, $"no loader handles the '{url.Scheme}' scheme (register one in ImageManager.Loaders)");
            if (options.Headers is { Count: > 0 } headers)
            {
                // A copy of its own: the failure key and the loader see the same headers, whatever the caller does with its
                // dictionary meanwhile.
                options = options with { Headers = new Dictionary<string, string>(headers, StringComparer.Ordinal).AsReadOnly() };
            }

            var key = CacheKeyFor(url, options);
            var decodeOptions = DecodeOptionsFor(url, options);

            // The caches' copy itself failed to decode (ImageManager.FrameFailures): not answered while it is being removed,
            // and a retry (RetryFailed) goes past it to the source, as does any load while its removal is under way (with
            // FailedUrlRetention = 0 nothing fails fast).
            var skipsBrokenCopy = ThrowIfRecentlyFailed(key, url, options, brokenVariantOf: decodeOptions) || IsBeingRemovedAsUndecodable(key);
            DiskCacheEntry? revalidating = null;
            if (!options.FromNetworkOnly && !skipsBrokenCopy)
            {
                if (options.RefreshCached)
                {
                    revalidating = options.CacheType.HasFlag(ImageCacheType.Disk) ? await CacheTasks.Checked(Cache.GetEncodedAsync(key, cancellationToken), Cache).ConfigureAwait(false) : null;
                }
                else if (await QueryCacheTracedAsync(key, options.CacheType, decodeOptions, cancellationToken).ConfigureAwait(false) is { } hit)
                {
                    using (hit)
                    {
                        if (hit.Source == ImageCacheType.Disk)
                        {
                            // Decoded from the disk copy just now (a memory hit was watched when it was loaded).
                            WatchFrames(hit.Image, key, decodeOptions);
                        }

                        if (hit.TransformedFrom is { } original)
                        {
                            // Made from the original on disk this time; stored beside it, the next load decodes the result.
                            await StoreTransformedAsync(key, hit.Image, original, hit.Metadata, options, decodeOptions, cancellationToken).ConfigureAwait(false);
                        }

                        var source = hit.Source == ImageCacheType.Memory ? ImageLoadSource.Memory : ImageLoadSource.Disk;
                        ReadOnlyMemory<byte>? encoded = null;
                        if (options.ReturnEncodedData)
                        {
                            // A smaller or transformed still is kept as pixels alone; its bytes are the original's on disk.
                            if (!hit.Image.EncodedData.IsEmpty)
                            {
                                encoded = hit.Image.EncodedData.ToArray();
                            }
                            else if (options.CacheType.HasFlag(ImageCacheType.Disk) && await CacheTasks.Checked(Cache.GetEncodedAsync(key, cancellationToken), Cache).ConfigureAwait(false) is { } entry)
                            {
                                encoded = entry.Data;
                            }
                        }

                        if (!options.ReturnEncodedData || encoded is not null)
                        {
                            return new ImageLoadResult(hit.ShareImage(), source, url, url, key, encoded);
                        }

                        // The bytes were asked for and are nowhere but at the URL (a memory-only entry): load it again.
                    }
                }
            }

            if (options.FromCacheOnly)
            {
                throw new ImageLoadException(url, revalidating is null ? "not in the cache, and the load was limited to the cache" : "revalidation needs the network, and the load was limited to the cache");
            }

            // A recent lasting failure stops the loader, not the caches: an image they hold (loaded with other headers, or
            // before the failure) is still answered.
            // The keys are made only where failures are remembered: most loads meet an empty table and allocate nothing.
            if (MayHaveFailures)
            {
                ThrowIfRecentlyFailed(SourceFailureKey(url, options), url, options);
                ThrowIfRecentlyFailed(DecodeFailureKey(key, options, decodeOptions), url, options);
            }

            // Counted so that background disk stores yield to loads (see BackgroundStores). Cache hits are not: they take
            // microseconds, and counting them would put two timer updates on the hottest path.
            _inFlightLoads.Started();

            // Disposing the manager cancels the load wherever it is (loader, decode, store), not only its download.
            using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, LifetimeToken);
            try
            {
                return await LoadFromSourceAsync(loader, url, key, options, decodeOptions, revalidating, progress, lifetime.Token).ConfigureAwait(false);
            }
            catch (ImageKitException e) when (IsLasting(e) && !lifetime.IsCancellationRequested)
            {
                // The reason is quoted in the fast failure, ImageKit's own exception: an app loader's message may name the URL
                // (or where it was redirected) with its secrets.
                RememberFailure(e is ImageDecodingException ? DecodeFailureKey(key, options, decodeOptions) : SourceFailureKey(url, options), UrlText.HideIn(e.Message, url));
                throw;
            }
            catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested && e.CancellationToken != cancellationToken)
            {
                // Thrown by a stage with the linked token: the caller is told with its own, as .NET's cancellation contract
                // has it (`catch (OperationCanceledException e) when (e.CancellationToken == token)` must see its token).
                throw new OperationCanceledException(e.Message, e, cancellationToken);
            }
            catch (ObjectDisposedException e) when (LifetimeToken.IsCancellationRequested)
            {
                // A tier the manager owned was disposed under the load: to the caller, the load was cancelled by Dispose.
                throw new OperationCanceledException("The image manager was disposed while the image was loading.", e, LifetimeToken);
            }
            finally
            {
                _inFlightLoads.Ended();
            }
        }
        finally
        {
            _loads.Exit();
        }
    }

    // Options that contradict each other are the caller's mistake, told as one: not a cache miss of an image in the cache.
    private static void CheckConsistent(ImageLoadOptions options)
    {
        if (options.FromCacheOnly && options.FromNetworkOnly)
        {
            throw new ArgumentException("FromCacheOnly and FromNetworkOnly contradict each other: set at most one.", nameof(options));
        }
    }

    // The manager's decode options with a load's own on top: what the decoded image, and its memory key, are made of.
    private ImageDecodeOptions DecodeOptionsFor(Uri url, ImageLoadOptions options) => _options.DecodeOptions with
    {
        FirstFrameOnly = options.FirstFrameOnly || _options.DecodeOptions.FirstFrameOnly,
        MaxPixelCount = options.ScaleDownMaxPixels > 0 ? options.ScaleDownMaxPixels : _options.DecodeOptions.MaxPixelCount,
        ThumbnailPixelSize = options.ThumbnailPixelSize.IsEmpty ? _options.DecodeOptions.ThumbnailPixelSize : options.ThumbnailPixelSize,
        Transformers = options.Transformers.Count > 0 ? options.Transformers : _options.DecodeOptions.Transformers,
        SourceName = UrlText.Describe(url),
    };

    private async Task<ImageLoadResult> LoadFromSourceAsync(
        IImageLoader loader, Uri url, string key, ImageLoadOptions options, ImageDecodeOptions decodeOptions,
        DiskCacheEntry? revalidating, IProgress<ImageLoadProgress>? progress, CancellationToken cancellationToken, DiskCacheEntry? replacing = null)
    {
        // The disk entry an answer other than a 304 replaces: the one revalidated, also when a 304 that did not vouch for it
        // sent this load out again without validators.
        replacing ??= revalidating;
        var previews = options.Progressive && progress is not null ? new ProgressivePreviews(progress, decodeOptions) : null;
        var request = new ImageLoaderRequest(url)
        {
            Priority = options.Priority,
            Headers = options.Headers,
            IfNoneMatch = revalidating?.Metadata.ETag,
            IfModifiedSince = revalidating?.Metadata.ETag is null ? revalidating?.Metadata.LastModified : null,
            ReportPartialData = previews is not null,

            // Only a deferred disk store keeps the bytes past the load (results get a copy of them). Still on the caller's
            // thread (a load past the caches has not awaited yet): a disk tier opening in the background is not waited
            // for here, and taken to be there.
            KeepsBody = options.CacheType.HasFlag(ImageCacheType.Disk) && !options.WaitForDiskStore && Cache is not ImageCache { HasNoDisk: true },
        };
        // Closed when the load stops waiting for its loader: one that ignores its token may report on.
        var relay = progress is null ? null : new LoadProgressRelay(previews ?? progress);
        ImageLoaderResponse response;
        try
        {
            // A loader is the app's code: a null task or response is its bug, reported as one, not as a NullReferenceException.
            var loading = LoadTracedAsync(loader, request, relay, cancellationToken)
                ?? throw new ImageLoadException(url, $"the loader {loader.GetType().Name} returned no task");
            // The HTTP loader ends as soon as its token is cancelled (the downloader lets a caller go at once): awaited as
            // it is, without the two allocations of a guarded wait on every download.
            response = await (loader is HttpImageLoader ? loading : AwaitLoaderAsync(loading, cancellationToken)).ConfigureAwait(false)
                ?? throw new ImageLoadException(url, $"the loader {loader.GetType().Name} returned no response");
            if (response.FinalUrl is null)
            {
                throw new ImageLoadException(url, $"the loader {loader.GetType().Name} returned a response without a FinalUrl");
            }
        }
        finally
        {
            relay?.End();
            if (previews is not null)
            {
                // No preview may reach the caller after the load: the last one in progress finishes (or is dropped) first.
                await previews.StopAsync().ConfigureAwait(false);
            }
        }

        var source = ImageLoadSource.Network;
        var data = response.Data;
        var metadata = new DiskCacheMetadata
        {
            ContentType = response.ContentType,
            OriginalUrl = UrlText.RedactedUri(url), // the index is no place for a password or a signature
            ETag = response.ETag,
            LastModified = response.LastModified,
        };
        if (response.NotModified)
        {
            if (revalidating is null)
            {
                throw new ImageLoadException(url, "the server answered 304 Not Modified to a request without validators");
            }

            if (response.ETag is { } etag && revalidating.Metadata.ETag is { } sent && !WeaklyEqual(etag, sent))
            {
                // A 304 naming another entity tag does not describe the cached bytes (RFC 9111 §4.3.4): keeping them with
                // the new tag would let every later revalidation confirm the wrong image. Load it again, unconditionally.
                // The same tag marked weak (W/) on one side only is no other tag: that section matches by the weak
                // comparison, and servers and CDNs that alter a response (compress it, say) weaken its tag.
                return await LoadFromSourceAsync(loader, url, key, options, decodeOptions, revalidating: null, progress, cancellationToken, replacing: revalidating).ConfigureAwait(false);
            }

            // The cached bytes are still good: keep them, refresh their validators and stored time.
            data = revalidating.Data;
            source = ImageLoadSource.Disk;
            metadata = revalidating.Metadata with
            {
                ETag = response.ETag ?? revalidating.Metadata.ETag,
                LastModified = response.LastModified ?? revalidating.Metadata.LastModified,
            };
        }

        // Decoding reads headers and the frame table only. On a pool thread (where a download completes) it runs in place:
        // another hop would cost a thread switch for a few microseconds of work. A loader that completed on the caller's
        // thread (a UI thread, say) still never decodes there.
        cancellationToken.ThrowIfCancellationRequested();
        var pinned = response.DataIsPinned; // never set with NotModified (the bytes above are then the disk's)
        var image = Thread.CurrentThread.IsThreadPoolThread && SynchronizationContext.Current is null
            ? DecodeTraced(data, pinned, decodeOptions)
            : await Task.Run(() => DecodeTraced(data, pinned, decodeOptions), cancellationToken).ConfigureAwait(false);
        using (image)
        {
            WatchFrames(image, key, decodeOptions);
            cancellationToken.ThrowIfCancellationRequested();
            var storeTo = options.CacheType;

            // Awaited, never read with ImageCache.Disk: a disk tier opening in the background (ImageManager.Shared's) would
            // block this pool thread until its index opens (up to its busy timeout). Once open, this completes at once. The
            // stores below then find it opened.
            var hasNoDisk = Cache is ImageCache imageCache && await imageCache.DiskAsync(cancellationToken).ConfigureAwait(false) is null;
            if (!response.StoreOnDisk || hasNoDisk)
            {
                storeTo &= ~ImageCacheType.Disk;
            }

            if (!response.StoreOnDisk && replacing is not null && !response.NotModified)
            {
                // The new answer must not be stored (Cache-Control: no-store): the copy from before must not outlive it.
                await CacheTasks.Checked(Cache.RemoveAsync(key, ImageCacheType.Disk, decodeOptions, cancellationToken), Cache).ConfigureAwait(false);
            }
            else if (replacing is null && !response.NotModified && (options.RefreshCached || options.FromNetworkOnly) && !storeTo.HasFlag(ImageCacheType.Disk)
                && !hasNoDisk)
            {
                // A load past the disk that keeps its result off it (CacheType without Disk, or no-store) has learnt the
                // image's current version: a disk copy of another one must not answer the next load that misses memory.
                await RemoveOutdatedDiskCopyAsync(key, data, decodeOptions, cancellationToken).ConfigureAwait(false);
            }

            if (!response.NotModified && (replacing is not null ? !data.Span.SequenceEqual(replacing.Data) : options.FromNetworkOnly || options.RefreshCached))
            {
                // A 200 replaced the cached bytes, or a load past the caches got bytes it cannot compare with theirs: what
                // the memory holds decoded from the old ones (this key's full image and its thumbnails, first frames and
                // transformed variants, which this load does not overwrite) may be of another version, and must not answer
                // a later load.
                await ImageCache.RemoveReplacedFromMemoryAsync(Cache, key, decodeOptions, cancellationToken).ConfigureAwait(false);
            }

            if (response.NotModified)
            {
                // Only onto the bytes the server confirmed: another process may have stored another version meanwhile.
                await ImageCache.UpdateRevalidatedAsync(Cache, key, metadata, data, cancellationToken).ConfigureAwait(false);
                storeTo &= ~ImageCacheType.Disk;
            }

            var superseding = response.NotModified ? ImageCacheType.None : storeTo;
            var supersedes = superseding != ImageCacheType.None && IsBeingRemovedAsUndecodable(key);
            try
            {
                await SupersedeUndecodableRemovalAsync(key, decodeOptions, superseding, cancellationToken).ConfigureAwait(false);
                await StoreTracedAsync(key, image, data, metadata, storeTo, options, decodeOptions, cancellationToken).ConfigureAwait(false);
            }
            catch when (supersedes)
            {
                // The removal of a broken copy now leaves these tiers to this load's fresh copy, which is not stored after
                // all (cancelled, or the store failed): the broken copy is removed here instead of staying to be served.
                await RemoveSupersededCopyAsync(key, decodeOptions, superseding).ConfigureAwait(false);
                throw;
            }

            if (MayHaveFailures)
            {
                _failedUrls.TryRemove(SourceFailureKey(url, options), out _);
                _failedUrls.TryRemove(DecodeFailureKey(key, options, decodeOptions), out _);
            }
            return new ImageLoadResult(image.AcquireLease(), source, url, response.FinalUrl, key, options.ReturnEncodedData ? data.ToArray() : (ReadOnlyMemory<byte>?)null);
        }
    }

    // RFC 9110 §8.8.3.2's weak comparison of two entity tags: their opaque tags are equal, either of them weak or not.
    private static bool WeaklyEqual(string tag, string other) => OpaqueTag(tag).SequenceEqual(OpaqueTag(other));

    private static ReadOnlySpan<char> OpaqueTag(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag.AsSpan(2) : tag.AsSpan();

    // The disk copy of key, unless it holds the bytes just received: the app asked not to store them there, but a copy
    // of another version is known to be outdated. Only loads that went past the caches come here, never a cache hit.
    private async Task RemoveOutdatedDiskCopyAsync(string key, ReadOnlyMemory<byte> current, ImageDecodeOptions decodeOptions, CancellationToken cancellationToken)
    {
        if (await CacheTasks.Checked(Cache.GetEncodedAsync(key, cancellationToken), Cache).ConfigureAwait(false) is { } stored && !current.Span.SequenceEqual(stored.Data))
        {
            await CacheTasks.Checked(Cache.RemoveAsync(key, ImageCacheType.Disk, decodeOptions, cancellationToken), Cache).ConfigureAwait(false);
        }
    }

    // A loader may ignore its token: the load stops waiting for it once cancelled (by its caller or by Dispose, which waits
    // for the loads but must not wait for the app's code forever). What the loader returns later is dropped, never decoded
    // or stored, and a failure of its is observed (it would reach TaskScheduler.UnobservedTaskException). Also when it has
    // ended by the time the wait resumes: cancelled from a UI thread, the wait resumes on a pool thread after the cancel
    // has run the loader's own callback, which may fail its task meanwhile, with nothing watching it any more.
    private static async Task<ImageLoaderResponse> AwaitLoaderAsync(Task<ImageLoaderResponse> loading, CancellationToken cancellationToken)
    {
        try
        {
            return await loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = loading.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }
}
