using ImageKit.Diagnostics.Internal;
using Microsoft.Extensions.Logging;

namespace ImageKit.Loading.Internal;

/// <summary>
/// Shares one <see cref="SharedDownload"/> between concurrent requests with the same <see cref="DownloadKey"/>. A waiter
/// that cancels leaves alone; when the last one leaves, the download is cancelled and forgotten so that a later request
/// starts afresh instead of joining a dying one. That later request still gets what the dying one received: it is handed
/// the dying download as its <see cref="SharedDownload.Predecessor"/> and resumes from its bytes once it has unwound.
/// </summary>
/// <remarks>One lock guards the maps and every waiter list; nothing slow or user-supplied runs under it.</remarks>
/// <param name="handsOver">Whether abandoned downloads are handed to the next one (resuming is enabled).</param>
/// <param name="logger">Where the failures of the app's cancellation callbacks go; <see langword="null"/> drops them.</param>
internal sealed class RequestCoalescer(bool handsOver = true, ILogger? logger = null)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<DownloadKey, SharedDownload> _inFlight = [];

    // Abandoned downloads (every waiter left) that have not finished unwinding yet, until a new download of the same key
    // takes them as its predecessor or they finish.
    private readonly Dictionary<DownloadKey, SharedDownload> _unwinding = [];

    /// <summary>How many shared downloads are tracked (diagnostics and tests).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>Attaches <paramref name="waiter"/> to the download for <paramref name="key"/>, creating it when there is none.</summary>
    /// <returns>The download and whether the caller created it (and so must start it).</returns>
    public (SharedDownload Download, bool Created) Join(DownloadKey key, ImageDownloadRequest request, DownloadWaiter waiter, Func<SharedDownload, Task> run, CancellationToken lifetime)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(key, out var existing) && existing.TryAdd(waiter))
            {
                return (existing, false);
            }

            var created = new SharedDownload(key, request, run, lifetime);
            if (_unwinding.Remove(key, out var previous))
            {
                created.Predecessor = previous;
            }

            created.TryAdd(waiter);
            _inFlight[key] = created;
            return (created, true);
        }
    }

    /// <summary>Detaches a waiter that stopped waiting; cancels the download when it was the last.</summary>
    public void Leave(SharedDownload download, DownloadWaiter waiter)
    {
        bool last;
        lock (_lock)
        {
            last = download.Remove(waiter);
            if (last)
            {
                Forget(download);

                // Only what can be resumed from is worth waiting for: not a conditional request's body.
                if (handsOver && download.Key is { IfNoneMatch: null, IfModifiedSince: null })
                {
                    _unwinding[download.Key] = download;
                }
            }
        }

        if (last)
        {
            // Outside the lock: cancellation callbacks abort sockets and remove queue items.
            try
            {
                download.Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It completed and was cleaned up in between: nothing left to cancel.
                return;
            }
            catch (AggregateException e)
            {
                // A callback the app registered on the download's token threw. Every callback has run all the same; the
                // caller leaving gets its OperationCanceledException, not the app's failure, which is logged instead.
                LogCancellationCallbackFailures(logger, e);
            }

            ReleaseIfNeverStarted(download);
        }
    }

    /// <summary>
    /// Releases every download that was cancelled while still queued (the downloader's disposal cancels them all): such a
    /// download never runs, so nothing else would forget it, and the disposed downloader kept it, its request and its
    /// token source. Call after cancelling.
    /// </summary>
    public void ReleaseNeverStarted()
    {
        List<SharedDownload> neverStarted;
        lock (_lock)
        {
            neverStarted = [.. _inFlight.Values.Concat(_unwinding.Values).Where(static d => d.QueueItem.IsCancelled)];
        }

        foreach (var download in neverStarted)
        {
            ReleaseIfNeverStarted(download);
        }
    }

    // A download cancelled while still queued never runs, so nothing else would release it.
    private void ReleaseIfNeverStarted(SharedDownload download)
    {
        if (download.QueueItem.IsCancelled)
        {
            Complete(download);
            download.Dispose();
        }
    }

    /// <summary>
    /// Removes a finished download so that later requests start a new one, and lets a successor waiting for it go on;
    /// call once whatever it can resume from is kept.
    /// </summary>
    public void Complete(SharedDownload download)
    {
        SharedDownload? passedOn;
        lock (_lock)
        {
            Forget(download);

            // A predecessor this download never got to resume from (it was left while waiting, or while queued) is passed
            // on to whoever comes next, rather than dropped.
            passedOn = download.Predecessor is { Unwound.IsCompleted: false } pending ? pending : null;
            download.Predecessor = null;
            if (_unwinding.TryGetValue(download.Key, out var unwinding) && ReferenceEquals(unwinding, download))
            {
                if (passedOn is null)
                {
                    _unwinding.Remove(download.Key);
                }
                else
                {
                    _unwinding[download.Key] = passedOn;
                }
            }
            else if (passedOn is not null && !_unwinding.ContainsKey(download.Key) && !_inFlight.ContainsKey(download.Key))
            {
                _unwinding[download.Key] = passedOn;
            }
        }

        if (passedOn is null)
        {
            download.MarkUnwound();
        }
        else
        {
            // A successor that took this download waits, through it, for the one with the bytes (within its patience).
            passedOn.Unwound.ContinueWith(static (_, state) => ((SharedDownload)state!).MarkUnwound(), download, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Forget(SharedDownload download)
    {
        if (_inFlight.TryGetValue(download.Key, out var current) && ReferenceEquals(current, download))
        {
            _inFlight.Remove(download.Key);
        }
    }

    /// <summary>Logs each exception a cancellation callback threw (a linked source's come back nested: flattened).</summary>
    public static void LogCancellationCallbackFailures(ILogger? logger, AggregateException failures)
    {
        if (logger is null)
        {
            return;
        }

        foreach (var failure in failures.Flatten().InnerExceptions)
        {
            Log.DownloadCancellationCallbackFailed(logger, failure, failure.Message);
        }
    }
}
