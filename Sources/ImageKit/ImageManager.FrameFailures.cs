using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Diagnostics.Internal;

namespace ImageKit;

public sealed partial class ImageManager
{
    private readonly Lock _forgettingLock = new();
    private Task _forgetting = Task.CompletedTask;

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
        RememberFailure(key, failure.Message, cachedCopyBroken: true);
        lock (_forgettingLock)
        {
            _forgetting = Task.WhenAll(_forgetting, Task.Run(() => RemoveUndecodableAsync(key, decodeOptions)));
        }
    }

    private async Task RemoveUndecodableAsync(string key, ImageDecodeOptions decodeOptions)
    {
        try
        {
            await Cache.RemoveAsync(key, ImageCacheType.Memory, decodeOptions, CancellationToken.None).ConfigureAwait(false);

            // The image's own disk store may not have landed yet (stores run in the background): after it, or it would
            // bring the bytes back.
            await _diskStores.WhenIdleAsync(CancellationToken.None).ConfigureAwait(false);
            await Cache.RemoveAsync(key, ImageCacheType.Disk, decodeOptions, CancellationToken.None).ConfigureAwait(false);
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
            Log.UndecodableImageRemovalFailed(_logger, key, e.Message);
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
