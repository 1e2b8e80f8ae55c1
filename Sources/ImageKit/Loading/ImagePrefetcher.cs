using ImageKit.Caching;

namespace ImageKit.Loading;

/// <summary>
/// Loads lists of URLs into an <see cref="ImageManager"/>'s caches ahead of need (the counterpart of SDWebImage's
/// <c>SDWebImagePrefetcher</c>), with its own concurrency, progress and cancellation.
/// </summary>
/// <remarks>Thread-safe; several prefetches may run at once. The prefetcher does not own the manager.</remarks>
public sealed class ImagePrefetcher
{
    private readonly ImageManager _manager;

    /// <summary>Creates a prefetcher over <paramref name="manager"/>.</summary>
    public ImagePrefetcher(ImageManager manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        _manager = manager;
    }

    /// <summary>How many URLs one prefetch loads at once. <value>Default: 3.</value></summary>
    public int MaxConcurrentPrefetches { get; init; } = 3;

    /// <summary>
    /// How prefetched images are loaded. <value>Default: low priority, so prefetches never hold up what is on screen, and
    /// waiting for the disk store, so that a finished prefetch is on disk.</value>
    /// </summary>
    public ImageLoadOptions Options { get; init; } = new() { Priority = DownloadPriority.Low, WaitForDiskStore = true };

    /// <summary>
    /// Loads each URL into the caches unless it is there already (skipped). Failures are counted and collected, never
    /// thrown; cancelling stops the URLs not yet done and aborts those in flight.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="urls"/> holds a null URL.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ImagePrefetchResult> PrefetchAsync(IEnumerable<Uri> urls, IProgress<ImagePrefetchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentPrefetches, 1, nameof(MaxConcurrentPrefetches));
        var list = urls.ToList();
        if (list.Contains(null!))
        {
            throw new ArgumentException("The list holds a null URL.", nameof(urls));
        }

        var counts = new Counts(list.Count, progress);
        var failures = new List<(Uri, Exception)>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentPrefetches, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(list, parallel, async (url, token) =>
        {
            try
            {
                if (!url.IsAbsoluteUri)
                {
                    throw new ImageLoadException(url, "the URL is not absolute"); // as LoadImageAsync says; AbsoluteUri would throw first
                }

                // Under the variant these options decode (a thumbnail, say), as the load itself would look.
                if (!Options.RefreshCached && await _manager.ContainsAsync(url, Options, token).ConfigureAwait(false) != ImageCacheType.None)
                {
                    counts.Skip();
                    return;
                }

                using var result = await _manager.LoadImageAsync(url, Options, cancellationToken: token).ConfigureAwait(false);
                counts.Finish();
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                lock (failures)
                {
                    failures.Add((url, e));
                }

                counts.Fail();
            }
        }).ConfigureAwait(false);
        return new ImagePrefetchResult(counts.Snapshot(), failures);
    }

    private sealed class Counts(int total, IProgress<ImagePrefetchProgress>? progress)
    {
        private int _finished;
        private int _skipped;
        private int _failed;

        public void Finish() => Report(Interlocked.Increment(ref _finished));

        public void Skip() => Report(Interlocked.Increment(ref _skipped));

        public void Fail() => Report(Interlocked.Increment(ref _failed));

        public ImagePrefetchProgress Snapshot() => new(Volatile.Read(ref _finished), Volatile.Read(ref _skipped), Volatile.Read(ref _failed), total);

        // The app's progress handler failing must not turn a finished URL into a failed one, nor throw out of the
        // prefetch ("failures are counted and collected, never thrown"): what it throws is dropped.
        private void Report(int _)
        {
            try
            {
                progress?.Report(Snapshot());
            }
#pragma warning disable CA1031 // A throwing progress handler is the app's bug; the prefetch and its counts go on.
            catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
            {
            }
        }
    }
}
