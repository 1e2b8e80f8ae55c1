using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Diagnostics;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;
using ImageKit.Loading;
using Microsoft.Extensions.Logging;

namespace ImageKit;

/// <summary>
/// Loads images by URL through memory cache → disk cache → loader (network or file) → decode → store (the counterpart of
/// SDWebImage's <c>SDWebImageManager</c>).
/// </summary>
/// <remarks>
/// <para>
/// <b>Threading.</b> Every member is thread-safe; loads run concurrently, with downloads queued, coalesced and retried by
/// the <see cref="ImageDownloader"/>. Decoding runs on the thread pool.
/// </para>
/// <para>
/// <b>Ownership.</b> Each <see cref="ImageLoadResult"/> holds a lease on its image: dispose it when done. The manager owns
/// the cache and downloader it creates from options, and disposes them; those passed in remain the caller's.
/// </para>
/// <para>
/// <b>Failures.</b> Download failures are <see cref="ImageDownloadException"/>, undecodable bytes
/// <see cref="ImageDecodingException"/> / <see cref="UnsupportedImageFormatException"/>, the manager's own refusals
/// <see cref="ImageLoadException"/>; all derive from <see cref="ImageKitException"/> and name the URL. Nothing that failed
/// or was cancelled is stored.
/// </para>
/// </remarks>
public sealed partial class ImageManager : IDisposable, IAsyncDisposable
{
    private static readonly Lazy<ImageManager> s_shared = new(CreateShared);
    private readonly ImageManagerOptions _options;
    private readonly ImageDecoderRegistry _decoders;
    private readonly ImageCache? _ownedCache;
    private readonly ImageDownloader? _ownedDownloader;
    private readonly ILogger _logger;
    private readonly ImageKitMetrics _metrics;
    private int _disposed;

    // Completed when the disposal that set _disposed has ended: a Dispose or DisposeAsync racing it waits for it, so that
    // every call returns only once the loads have ended.
    private readonly TaskCompletionSource _disposal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The thread running the loads' cancellation callbacks while the disposal runs them (0 otherwise): a Dispose called
    // from one of them (a custom loader's registration) returns at once, as waiting for the disposal would wait for
    // itself. A call from any other thread meanwhile waits, as at any other time.
    private int _cancellingThread;

    // Whether this call comes from the disposal's own cancellation callbacks.
    private bool IsCancellingOnThisThread => Volatile.Read(ref _cancellingThread) == Environment.CurrentManagedThreadId;

    // Cancelled first thing by Dispose; every load that misses the caches links its token to it. Never disposed: it has
    // no timer, and loads racing Dispose may still link to it (a cancelled source stays usable for that).
    private readonly CancellationTokenSource _lifetimeSource = new();

    private CancellationToken LifetimeToken => _lifetimeSource.Token;

    /// <summary>Creates a manager over <paramref name="cache"/> and <paramref name="downloader"/>, which stay the caller's.</summary>
    public ImageManager(IImageCache cache, ImageDownloader downloader, ImageManagerOptions? options = null)
        : this(cache, downloader, options, ownedCache: null)
    {
    }

    /// <summary>
    /// Creates a manager with its own <see cref="ImageCache"/> (memory, plus disk when <paramref name="cacheOptions"/> has
    /// one) and <see cref="ImageDownloader"/>, disposed with the manager.
    /// </summary>
    public ImageManager(ImageCacheOptions? cacheOptions = null, ImageDownloaderOptions? downloaderOptions = null, ImageManagerOptions? options = null)
        : this(new ImageCache(cacheOptions), downloaderOptions, options)
    {
    }

    private ImageManager(ImageCache cache, ImageDownloaderOptions? downloaderOptions, ImageManagerOptions? options)
        : this(cache, CreateDownloader(cache, downloaderOptions), options, ownedCache: cache)
    {
    }

    // With an owned cache, the downloader is owned too: both were created for this manager, and if a later step throws
    // (the application's logger or meter factory) nobody else holds them to dispose them.
    private ImageManager(IImageCache cache, ImageDownloader downloader, ImageManagerOptions? options, ImageCache? ownedCache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(downloader);
        try
        {
            _options = options ?? new ImageManagerOptions();
            _decoders = _options.Decoders ?? ImageDecoderRegistry.Default;
            _logger = ContainedLogger.Create(_options.LoggerFactory, ImageKitDiagnostics.ImageManagerCategory);
            _metrics = ImageKitMetrics.For(_options.MeterFactory);
            Cache = cache;
            Downloader = downloader;
            Loaders = new ImageLoaderRegistry([new HttpImageLoader(downloader), new FileImageLoader(), new DataUrlImageLoader()]);
            _diskStores = new BackgroundStores(_inFlightLoads);
            _weakSelf = new WeakReference<ImageManager>(this);
        }
        catch
        {
            _inFlightLoads.Dispose();
            if (ownedCache is not null)
            {
                downloader.Dispose();
                ownedCache.Dispose();
            }

            throw;
        }

        if (ownedCache is not null)
        {
            _ownedCache = ownedCache;
            _ownedDownloader = downloader;
        }
    }

    /// <summary>
    /// The process-wide manager, created on first use: a memory cache, a disk cache in
    /// <see cref="DiskImageCache.DefaultDirectory"/> and a downloader with default settings. Creating it does not wait for
    /// the disk cache's index: that opens in the background (<see cref="ImageCacheOptions.OpenDiskInBackground"/>), and
    /// the first loads wait for it only if they reach the disk tier. Never throws: when that folder cannot be used (not
    /// writable, holding other files, its index locked by another process for too long) it has a memory cache only (its
    /// <see cref="Cache"/> is an <see cref="ImageCache"/> whose <see cref="ImageCache.Disk"/> is <see langword="null"/>),
    /// and the reason is written as a <see cref="System.Diagnostics.Trace"/> warning. It starts its
    /// <see cref="WarmUpAsync"/> when it is created, so touch it early (at launch) for the quickest first image.
    /// </summary>
    public static ImageManager Shared => s_shared.Value;

    /// <summary>The cache consulted before loading and filled after.</summary>
    public IImageCache Cache { get; }

    /// <summary>The downloader behind <c>http</c> and <c>https</c> URLs.</summary>
    public ImageDownloader Downloader { get; }

    /// <summary>The loaders by URL scheme: http(s), file and data by default; insert your own for other schemes.</summary>
    public ImageLoaderRegistry Loaders { get; }

    /// <summary>
    /// Cancels the loads in flight and waits for them to end, then for the disk stores still running (see
    /// <see cref="WaitForDiskStoresAsync"/>), then disposes the cache and downloader this manager created. Idempotent: a
    /// call while another is under way returns when that one has finished (at once when made by a load's cancellation
    /// callback, which that disposal runs).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Once it returns, every load of this manager has ended (with its image, or with
    /// <see cref="OperationCanceledException"/>), none touches the caches or the downloader any more, and new loads throw
    /// <see cref="ObjectDisposedException"/>: a cache or downloader passed in can be disposed right after.
    /// </para>
    /// <para>
    /// A loader (<see cref="Loaders"/>) is not waited for: a load waiting for one stops at once, and a loader that ignores
    /// its token runs on by itself; what it returns is dropped, never decoded or stored. The rest of a load (a cache query,
    /// a decode, a store) ends within its own work. Code of the app that a load calls and waits for (a custom
    /// <see cref="IImageCache"/>, decoder or transformer, a progress handler) must not wait for this disposal itself, nor
    /// block for ever: the disposal would wait for that load.
    /// </para>
    /// </remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            // Another call is disposing (or has): this one too returns only once it is done, unless it comes from the
            // disposal's own cancellation callbacks.
            if (!IsCancellingOnThisThread)
            {
                _disposal.Task.GetAwaiter().GetResult();
            }

            return;
        }

        try
        {
            CancelLifetime();
            _loads.CloseAsync().GetAwaiter().GetResult();
            WarmUpEnded().GetAwaiter().GetResult();
            WhenUndecodableForgottenAsync().GetAwaiter().GetResult();
            _diskStores.CloseAsync().GetAwaiter().GetResult();
            _inFlightLoads.Dispose();
            _ownedDownloader?.Dispose();
            _ownedCache?.Dispose();
        }
        finally
        {
            _disposal.TrySetResult();
        }
    }

    /// <summary>Like <see cref="Dispose"/>, waiting for the loads and closing the disk cache asynchronously.</summary>
    /// <inheritdoc cref="Dispose" path="/remarks"/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            if (!IsCancellingOnThisThread)
            {
                await _disposal.Task.ConfigureAwait(false);
            }

            return;
        }

        try
        {
            await CancelLifetimeAsync().ConfigureAwait(false);
            await _loads.CloseAsync().ConfigureAwait(false);
            await WarmUpEnded().ConfigureAwait(false);
            await WhenUndecodableForgottenAsync().ConfigureAwait(false);
            await _diskStores.CloseAsync().ConfigureAwait(false);
            _inFlightLoads.Dispose();
            _ownedDownloader?.Dispose();
            if (_ownedCache is not null)
            {
                await _ownedCache.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _disposal.TrySetResult();
        }
    }

    // Cancelling runs the loads' cancellation callbacks, some of them the app's (a custom loader's registration): one that
    // throws must not stop the disposal before it has waited for the loads and disposed what the manager owns. Every
    // callback has run when the exceptions come back (Cancel does not stop at the first); they are the app's bugs, not
    // the disposal's, and the loads they belong to end all the same. Nobody else would ever see them: each is logged.
    // Cancel runs the callbacks on this thread, one after another, which is what lets a Dispose from one of them know it.
    private void CancelLifetime()
    {
        Volatile.Write(ref _cancellingThread, Environment.CurrentManagedThreadId);
        try
        {
            _lifetimeSource.Cancel();
        }
        catch (AggregateException e)
        {
            LogCancellationCallbackFailures(e);
        }
        finally
        {
            Volatile.Write(ref _cancellingThread, 0);
        }
    }

    // As CancelAsync does, the callbacks run on the thread pool, not on the caller's thread; but on a thread known to be
    // running them (CancelAsync's is not).
    private Task CancelLifetimeAsync() => Task.Run(CancelLifetime);

    // One entry per callback that threw (a linked source's own callbacks come back nested: flattened).
    private void LogCancellationCallbackFailures(AggregateException failures)
    {
        foreach (var failure in failures.Flatten().InnerExceptions)
        {
            Log.CancellationCallbackFailed(_logger, failure, failure.Message);
        }
    }

    private static ImageDownloader CreateDownloader(ImageCache cache, ImageDownloaderOptions? options)
    {
        try
        {
            return new ImageDownloader(options);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    // The process-wide manager has to work wherever it is first touched (SDWebImage's and Kingfisher's shared caches do),
    // and is often first touched on an app's main thread: its disk tier opens in the background and falls back to memory
    // only when the folder cannot be used (an exception here would be Lazy's answer to every later use in the process).
    // It also warms itself up at once: even when the first touch is the first load, the warm-up on another core compiles
    // code that load needs next (first image 196–199 → 126–155 ms with the JIT, see WarmUpAsync).
    private static ImageManager CreateShared()
    {
        var shared = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = DiskImageCache.DefaultDirectory }, OpenDiskInBackground = true });
        _ = shared.WarmUpAsync();
        return shared;
    }
}
