using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;

namespace ImageKit;

public sealed partial class ImageManager
{
    private readonly Lock _forgettingLock = new();
    private Task _forgetting = Task.CompletedTask;

    // The removals under way, by cache key (more than one when copies of a key failed again meanwhile); guarded by
    // _forgettingLock, and empty whenever _forgetting has completed.
    private readonly Dictionary<string, List<UndecodableRemoval>> _removals = new(StringComparer.Ordinal);

    // One for all the images this manager watches (a weak reference has a finalizer and a GC handle: not one per load).
    private readonly WeakReference<ImageManager> _weakSelf;

    /// <summary>
    /// Completes when the images whose frames failed to decode so far are out of the caches (see <see cref="WatchFrames"/>);
    /// for tests, and for Dispose.
    /// </summary>
    internal Task WhenUndecodableForgottenAsync()
    {
        lock (_forgettingLock)
        {
            return _forgetting;
        }
    }

    /// <summary>
    /// Decoding reads headers and the frame table only, so a load can succeed with an image whose frames do not decode.
    /// The first frame that fails drops the image from the memory and disk caches (else it would be served broken until
    /// it expired) and remembers the URL as failed, as a load that failed to decode would be. Holds the manager weakly:
    /// an image kept by the app must not keep a manager nobody else references.
    /// </summary>
    private void WatchFrames(AnimatedImage image, string key, ImageDecodeOptions decodeOptions) =>
        image.OnFrameDecodeFailed(new FrameWatch(_weakSelf, key, decodeOptions));

    private void ForgetUndecodable(string key, ImageDecodeOptions decodeOptions, ImageDecodingException failure)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        Log.UndecodableFrameForgotten(_logger, decodeOptions.SourceName, failure.Message);
        var memoryKey = MemoryCacheKey.For(key, decodeOptions);
        RememberFailure(key, failure.Message, brokenVariant: memoryKey);
        var removal = new UndecodableRemoval(memoryKey);
        lock (_forgettingLock)
        {
            // Again under the lock that Dispose takes to read _forgetting, after it set _disposed: a failure that passed the
            // check above as Dispose began is either waited for by Dispose or starts no removal (it would touch the caches
            // after Dispose returned).
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            if (!_removals.TryGetValue(key, out var pending))
            {
                _removals[key] = pending = [];
            }

            pending.Add(removal);
            _forgetting = Task.WhenAll(_forgetting, Task.Run(() => RemoveUndecodableAsync(key, decodeOptions, removal)));
        }
    }

    /// <summary>
    /// Called by a load about to store a fresh copy under <paramref name="key"/> in <paramref name="tiers"/>: the removals
    /// of a broken copy still under way leave those tiers alone (the one waiting for the disk stores to land would remove
    /// the fresh copy after them); the memory tier only where the fresh copy takes the broken one's entry (decoded alike).
    /// Waits only for a removal step already under way.
    /// </summary>
    private Task SupersedeUndecodableRemovalAsync(string key, ImageDecodeOptions decodeOptions, ImageCacheType tiers, CancellationToken cancellationToken)
    {
        if (tiers == ImageCacheType.None || Volatile.Read(ref _forgetting).IsCompleted)
        {
            return Task.CompletedTask;
        }

        UndecodableRemoval[] pending;
        lock (_forgettingLock)
        {
            if (!_removals.TryGetValue(key, out var removals))
            {
                return Task.CompletedTask;
            }

            pending = [.. removals];
        }

        var memoryKey = MemoryCacheKey.For(key, decodeOptions);
        return Task.WhenAll(pending.Select(r => r.SupersedeAsync(string.Equals(r.MemoryKey, memoryKey, StringComparison.Ordinal) ? tiers : tiers & ~ImageCacheType.Memory, cancellationToken)));
    }

    // A load that superseded the removal of a broken copy in `tiers` (see SupersedeUndecodableRemovalAsync) stored nothing
    // there after all: it removes the broken copy itself. A fresh copy another load stored meanwhile may go with it; a
    // later load fetches it again, where a broken copy left behind would be served.
    private async Task RemoveSupersededCopyAsync(string key, ImageDecodeOptions decodeOptions, ImageCacheType tiers)
    {
        try
        {
            await CacheTasks.Checked(Cache.RemoveAsync(key, tiers, decodeOptions, CancellationToken.None), Cache).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
        {
            // The caches closed meanwhile: nothing is served from them any more.
        }
        catch (Exception e)
        {
            // As in RemoveUndecodableAsync: the URL is still remembered as failed, and the next load that decodes the copy
            // meets the same frame and removes it then. The load's own exception is the one its caller sees.
            Log.UndecodableImageRemovalFailed(_logger, new UrlText.LoggedKey(key), UrlText.HideKeyIn(e.Message, key));
        }
    }

    // Whether a copy of `key` that failed to decode is being removed from the caches (see ForgetUndecodable).
    private bool IsBeingRemovedAsUndecodable(string key)
    {
        if (Volatile.Read(ref _forgetting).IsCompleted)
        {
            return false;
        }

        lock (_forgettingLock)
        {
            return _removals.ContainsKey(key);
        }
    }

    private async Task RemoveUndecodableAsync(string key, ImageDecodeOptions decodeOptions, UndecodableRemoval removal)
    {
        try
        {
            await removal.RemoveAsync(ImageCacheType.Memory, () => CacheTasks.Checked(Cache.RemoveAsync(key, ImageCacheType.Memory, decodeOptions, CancellationToken.None), Cache)).ConfigureAwait(false);

            // The image's own disk store may not have landed yet (stores run in the background): after it, or it would
            // bring the bytes back.
            await _diskStores.WhenIdleAsync(CancellationToken.None).ConfigureAwait(false);
            await removal.RemoveAsync(ImageCacheType.Disk, () => CacheTasks.Checked(Cache.RemoveAsync(key, ImageCacheType.Disk, decodeOptions, CancellationToken.None), Cache)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
        {
            // The caches closed with their manager meanwhile: nothing is served from them any more.
        }
        catch (Exception e)
        {
            // The disk refused, or an app's own cache threw (anything: this runs in the background, and a fault kept here
            // would fail the manager's DisposeAsync before it closed its stores): the URL is still remembered as failed,
            // and a later load that decodes the copy again meets the same frame and removes it then.
            Log.UndecodableImageRemovalFailed(_logger, new UrlText.LoggedKey(key), UrlText.HideKeyIn(e.Message, key));
        }
        finally
        {
            lock (_forgettingLock)
            {
                if (_removals.TryGetValue(key, out var pending) && pending.Remove(removal) && pending.Count == 0)
                {
                    _removals.Remove(key);
                }
            }
        }
    }

    // One object per watched image (a closure and its delegate would be two), kept as long as the image is.
    private sealed class FrameWatch(WeakReference<ImageManager> manager, string key, ImageDecodeOptions decodeOptions) : IFrameDecodeFailureHandler
    {
        public void OnFrameDecodeFailed(ImageDecodingException failure)
        {
            if (manager.TryGetTarget(out var target))
            {
                target.ForgetUndecodable(key, decodeOptions, failure);
            }
        }
    }
}
