using ImageKit.Caching;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;
using ImageKit.Loading;

namespace ImageKit;

public sealed partial class ImageManager
{
    // The one warm-up of this manager; null until WarmUpAsync is first called.
    private Task? _warmUp;

    /// <summary>
    /// Runs the code of a load once, on the thread pool, without the network and without this manager's caches, so that
    /// the app's first real image does not wait for that code to be compiled and the codecs to be loaded.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Call it when the app starts, some time before it needs its first image, and do not wait for it:
    /// <c>_ = manager.WarmUpAsync();</c>. In a fresh process whose first image was needed 300 ms after the manager was
    /// created, that image took 92 ms instead of 218 ms (a bare <c>HttpClient</c> + <c>SKCodec</c> load: 82 ms; see
    /// docs/benchmarks.md). Called just before the first load, it gains nothing: both then wait for the same compilation.
    /// </para>
    /// <para>
    /// It loads four tiny built-in images (an animated GIF, a PNG, a JPEG and a WebP) from memory through a throwaway
    /// downloader, memory cache and manager that use this manager's decoders and decode options, decodes their first
    /// frames, and asks the disk cache (when <see cref="Cache"/> is an <see cref="ImageCache"/> with one) for a key it does
    /// not hold, which also waits for a disk cache opening in the background. Nothing of this manager changes: its caches, download
    /// queue, circuit breakers and failed URLs stay as they were; no request is sent and the app's
    /// <see cref="ImageDownloaderOptions.RequestModifier"/> is not called; the <c>ImageKit</c> meter and activity source
    /// see none of it; a step that fails (a decoder registry without one of the formats) is skipped and logged at Debug
    /// (event 1010). With Native AOT nothing is compiled at run time, and it only loads the codecs.
    /// </para>
    /// <para>
    /// It runs once per manager: later calls wait for the first one. Disposing the manager stops it.
    /// </para>
    /// </remarks>
    /// <param name="cancellationToken">Stops waiting; the warm-up itself goes on (it stops when the manager is disposed).</param>
    /// <returns>A task that completes when the warm-up has ended. It never faults.</returns>
    /// <exception cref="ObjectDisposedException">The manager was disposed.</exception>
    public Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var warmUp = Volatile.Read(ref _warmUp);
        if (warmUp is null)
        {
            // Started on the thread pool: all of it, even the throwaway objects' construction, is compiled there, not on the
            // caller's thread. Only the call that publishes its task starts it.
            var created = new Task<Task>(() => RunWarmUpAsync(LifetimeToken));
            var unwrapped = created.Unwrap();
            warmUp = Interlocked.CompareExchange(ref _warmUp, unwrapped, null);
            if (warmUp is null)
            {
                // Not under the caller's ambient context (its activity, logging scopes, async locals): background work.
                using (ExecutionContext.SuppressFlow())
                {
                    created.Start(TaskScheduler.Default);
                }

                warmUp = unwrapped;
            }
        }

        return warmUp.WaitAsync(cancellationToken);
    }

    // Called by Dispose once the lifetime token is cancelled: takes the warm-up's place, so that a WarmUpAsync racing
    // Dispose finds it taken and starts nothing, and returns the warm-up that did start, to be waited for (it stops at
    // its next step). So no warm-up work is left running once Dispose has returned.
    private Task WarmUpEnded() => Interlocked.Exchange(ref _warmUp, Task.CompletedTask) ?? Task.CompletedTask;

    private async Task RunWarmUpAsync(CancellationToken lifetime)
    {
        if (lifetime.IsCancellationRequested)
        {
            return;
        }

        try
        {
            using var unobserved = ImageKitMetrics.Unobserved();
            using var http = new HttpClient(new WarmUpHandler(), disposeHandler: true);
            // The system clock, not the app's: a test's fake clock advanced past a timeout must not fail the warm-up.
            using var downloader = new ImageDownloader(http, new ImageDownloaderOptions { MeterFactory = unobserved });
            var cache = new ImageCache(new ImageCacheOptions { MeterFactory = unobserved, Decoders = _decoders });
            await using var disposeCache = cache.ConfigureAwait(false);
            var manager = new ImageManager(cache, downloader, _options with { LoggerFactory = null, MeterFactory = unobserved, FailedUrlRetention = TimeSpan.Zero, TimeProvider = TimeProvider.System });
            await using var disposeManager = manager.ConfigureAwait(false);
            foreach (var (name, _, _) in WarmUpImages.All)
            {
                lifetime.ThrowIfCancellationRequested();
                try
                {
                    using var result = await manager.LoadImageAsync(WarmUpHandler.UrlOf(name), cancellationToken: lifetime).ConfigureAwait(false);
                    using (result.Image.GetFrame(0))
                    {
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.WarmUpStepSkipped(_logger, name, e.Message);
                }
            }

            if (Cache is ImageCache imageCache)
            {
                try
                {
                    if (await imageCache.DiskAsync(lifetime).ConfigureAwait(false) is { } disk)
                    {
                        await disk.GetAsync(WarmUpHandler.UrlOf("absent").AbsoluteUri, countMiss: false, lifetime).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.WarmUpStepSkipped(_logger, "the disk cache", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            // The manager was disposed: nothing more to warm up.
        }
        catch (Exception e)
        {
            // A throwaway component that could not even be created: the app is no worse off than without a warm-up.
            Log.WarmUpStepSkipped(_logger, "the pipeline", e.Message);
        }
    }
}
