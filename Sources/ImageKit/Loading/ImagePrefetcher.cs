using ImageKit.Caching;
using ImageKit.Loading.Internal;

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

    /// <summary>
    /// How many URLs one prefetch loads at once. A URL whose download waits to retry (a <c>503</c>'s <c>Retry-After</c>, say)
    /// does not count while it waits, so a few failing URLs do not hold up the rest of the list. <value>Default: 3.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1.</exception>
    public int MaxConcurrentPrefetches
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 3;

    /// <summary>
    /// How prefetched images are loaded. <value>Default: low priority, so prefetches never hold up what is on screen, and
    /// waiting for the disk store, so that a finished prefetch is on disk.</value>
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    public ImageLoadOptions Options
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = new() { Priority = DownloadPriority.Low, WaitForDiskStore = true };

    /// <summary>
    /// Loads each URL into the caches unless it is there already (skipped). Failures are counted and collected, never
    /// thrown; cancelling stops the URLs not yet done and aborts those in flight.
    /// </summary>
    /// <remarks>
    /// "There already" means where a load with <see cref="Options"/> would put it: the memory cache (under the decoded
    /// variant those options make) or the disk cache, and the disk whenever that load stores on disk (its
    /// <see cref="ImageLoadOptions.CacheType"/> includes the disk, the cache has a disk tier, and the URL is not a
    /// <c>file:</c> or <c>data:</c> one, which are never copied to disk); a disk store that an earlier load started and that
    /// has not landed yet counts. An image held in memory only would be gone after a restart: it is loaded again from its
    /// URL and counted as finished. Unlike SDWebImage's prefetcher, which counts a memory hit as done, a finished or skipped
    /// URL is on disk (as with Nuke's prefetching to the disk cache). A custom loader whose responses stay off the disk
    /// (<see cref="ImageLoaderResponse.StoreOnDisk"/>), and a <c>Cache-Control: no-store</c> response, are loaded again by
    /// each prefetch that finds them in memory; so is every memory hit with an <see cref="IImageCache"/> of the app's that
    /// has no disk (only an <see cref="ImageCache"/> says whether it has one): give such a prefetcher
    /// <see cref="Options"/> without <see cref="ImageCacheType.Disk"/>.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="urls"/> holds a null URL.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="OutOfMemoryException">
    /// <paramref name="progress"/>'s handler threw it; thrown once the prefetch has ended (the other URLs are still loaded
    /// and counted). Any other exception the handler throws is ignored, and the URL it reported stays counted as it was.
    /// </exception>
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

        // Not Parallel.ForEachAsync with MaxConcurrentPrefetches: a load whose download waits out a retry (a 503's
        // Retry-After, up to 10 s, each time) leaves its place meanwhile, else a few such URLs held every place and the
        // rest of the list waited for them.
        var concurrency = new PrefetchConcurrency(MaxConcurrentPrefetches);
        var running = new List<Task>();
        try
        {
            foreach (var url in list)
            {
                await concurrency.EnterAsync(cancellationToken).ConfigureAwait(false);
                var slot = new PrefetchSlot(concurrency);
                running.Add(Task.Run(() => PrefetchOneAsync(url, slot, counts, failures, cancellationToken), CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The URLs not started are not; those in flight end (aborted by the token) before the prefetch throws.
        }

        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new ImagePrefetchResult(counts.Snapshot(), failures);
    }

    private async Task PrefetchOneAsync(Uri url, PrefetchSlot slot, Counts counts, List<(Uri, Exception)> failures, CancellationToken token)
    {
        try
        {
            // Counted once, outside the catch of the URL's failures: what a progress handler lets through (see
            // Counts.Report) is no failure of the URL, which would then count twice.
            Action count;
            try
            {
                count = await LoadOneAsync(url, slot, counts, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                lock (failures)
                {
                    failures.Add((url, e));
                }

                count = counts.Fail;
            }

            count();
        }
        finally
        {
            slot.End();
        }
    }

    // Loads url unless it is where the load would put it; returns how to count it.
    private async Task<Action> LoadOneAsync(Uri url, PrefetchSlot slot, Counts counts, CancellationToken token)
    {
        if (!url.IsAbsoluteUri)
        {
            throw new ImageLoadException(url, "the URL is not absolute"); // as LoadImageAsync says; AbsoluteUri would throw first
        }

        // Skipped when it is where the load would put it (see ImageManager.PrefetchOptionsAsync); in memory only
        // while the load would store it on disk too, it is loaded again (it would be gone after a restart).
        var options = Options.RefreshCached ? Options : await _manager.PrefetchOptionsAsync(url, Options, token).ConfigureAwait(false);
        if (options is null)
        {
            return counts.Skip;
        }

        // Seen by the downloads this load waits for, which say when they wait out a retry (see DownloadWaiter).
        PrefetchSlot.Current = slot;
        using var result = await _manager.LoadImageAsync(url, options, cancellationToken: token).ConfigureAwait(false);
        return counts.Finish;
    }

    // Reports go out one at a time, in the order of the counts they carry, so that the last one a handler sees is the
    // final counts: each worker reporting its own URL at once called a handler that was still busy with the previous
    // report, and an older report could land after a newer one. Whoever counts while another worker is reporting
    // leaves its report to that worker (it delivers every queued report before it goes on) and does not wait for it.
    private sealed class Counts(int total, IProgress<ImagePrefetchProgress>? progress)
    {
        private readonly Lock _lock = new();
        private readonly Queue<ImagePrefetchProgress> _unreported = new();
        private int _finished;
        private int _skipped;
        private int _failed;
        private bool _reporting;

        public void Finish() => Count(ref _finished);

        public void Skip() => Count(ref _skipped);

        public void Fail() => Count(ref _failed);

        public ImagePrefetchProgress Snapshot()
        {
            lock (_lock)
            {
                return new(_finished, _skipped, _failed, total);
            }
        }

        private void Count(ref int counter)
        {
            lock (_lock)
            {
                counter++;
                if (progress is null)
                {
                    return;
                }

                _unreported.Enqueue(new(_finished, _skipped, _failed, total));
                if (_reporting)
                {
                    return;
                }

                _reporting = true;
            }

            while (true)
            {
                ImagePrefetchProgress next;
                lock (_lock)
                {
                    if (!_unreported.TryDequeue(out next!))
                    {
                        _reporting = false;
                        return;
                    }
                }

                try
                {
                    Report(next);
                }
                catch
                {
                    // Only what Report lets through (OutOfMemoryException): the next count takes over reporting.
                    lock (_lock)
                    {
                        _reporting = false;
                    }

                    throw;
                }
            }
        }

        // The app's progress handler failing must not turn a finished URL into a failed one, nor throw out of the
        // prefetch ("failures are counted and collected, never thrown"): what it throws is dropped.
        private void Report(ImagePrefetchProgress counts)
        {
            try
            {
                progress!.Report(counts);
            }
#pragma warning disable CA1031 // A throwing progress handler is the app's bug; the prefetch and its counts go on.
            catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
            {
            }
        }
    }
}
