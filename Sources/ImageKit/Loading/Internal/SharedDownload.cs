namespace ImageKit.Loading.Internal;

/// <summary>
/// One HTTP download shared by every concurrent caller with the same <see cref="DownloadKey"/>. It runs until it completes
/// or its last waiter leaves; a waiter that leaves early does not disturb the others.
/// </summary>
/// <remarks>
/// The waiter list is copy-on-write: it is replaced only under the <see cref="RequestCoalescer"/> lock, and progress
/// reporting reads the current array without locking.
/// </remarks>
internal sealed class SharedDownload : IDisposable
{
    private readonly TaskCompletionSource _unwound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DownloadWaiter[] _waiters = [];

    // Guards the retry's wait against waiters joining: each prefetch among the callers is told of a wait exactly once,
    // whether it was there when the wait began or joined during it.
    private readonly Lock _retryLock = new();
    private bool _retryWaiting; // under _retryLock

    /// <param name="key">What the download is shared by.</param>
    /// <param name="request">The first caller's request.</param>
    /// <param name="run">Runs the download in its queue slot.</param>
    /// <param name="lifetime">The downloader's lifetime, which cancels the download.</param>
    public SharedDownload(DownloadKey key, ImageDownloadRequest request, Func<SharedDownload, Task> run, CancellationToken lifetime)
    {
        Key = key;
        Request = request;

        // Made now, before any other caller can join: one that joins before it is queued still finds it to promote.
        QueueItem = new DownloadQueueItem(request.Priority, () => run(this));
        Cancellation = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        Token = Cancellation.Token;

        // Waiters are released at once when the download is cancelled, even if it is still queued and never runs.
        Cancellation.Token.UnsafeRegister(static state => ((SharedDownload)state!).Completion.TrySetCanceled(), this);
    }

    public DownloadKey Key { get; }

    /// <summary>The request of the first caller; later callers differ only in what the key leaves out.</summary>
    public ImageDownloadRequest Request { get; }

    /// <summary>Cancelled when the last waiter leaves or the downloader is disposed.</summary>
    public CancellationTokenSource Cancellation { get; }

    /// <summary>
    /// The token of <see cref="Cancellation"/>, kept: it can still be read (and registered with, to no effect) once the
    /// download has ended and disposed its source.
    /// </summary>
    public CancellationToken Token { get; }

    public TaskCompletionSource<ImageDownloadResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Its place in the queue; queued by the caller that created the download.</summary>
    public DownloadQueueItem QueueItem { get; }

    /// <summary>
    /// The first bytes of this request's body from a response cut off before, which the next attempt continues; set and
    /// read by one attempt at a time.
    /// </summary>
    public PartialBody? Resume { get; set; }

    /// <summary>
    /// The abandoned download of the same request that was still unwinding when this one was created: what it received
    /// is kept for resuming only as it unwinds, so this one waits for that before it looks. Set under the coalescer lock
    /// at creation, read once by the run.
    /// </summary>
    public SharedDownload? Predecessor { get; set; }

    /// <summary>Completes once the download has ended and kept whatever can be resumed, or will never run.</summary>
    public Task Unwound => _unwound.Task;

    /// <summary>Set under the coalescer lock once no waiter is left: nobody may join any more.</summary>
    public bool Abandoned { get; private set; }

    /// <summary>Adds a waiter; call under the coalescer lock.</summary>
    public bool TryAdd(DownloadWaiter waiter)
    {
        if (Abandoned || Completion.Task.IsCompleted)
        {
            return false;
        }

        lock (_retryLock)
        {
            Volatile.Write(ref _waiters, [.. _waiters, waiter]);

            // Joined while the download waits out a retry: the prefetch it loads for leaves its place as the others did.
            // Told under the lock, so that the end of the wait cannot reach this waiter before its start has.
            if (_retryWaiting)
            {
                waiter.PrefetchSlot?.RetryWaiting();
            }
        }

        return true;
    }

    /// <summary>Removes a waiter; call under the coalescer lock. Returns <see langword="true"/> when it was the last one.</summary>
    public bool Remove(DownloadWaiter waiter)
    {
        var index = Array.IndexOf(_waiters, waiter);
        if (index < 0)
        {
            return false;
        }

        var next = new DownloadWaiter[_waiters.Length - 1];
        Array.Copy(_waiters, 0, next, 0, index);
        Array.Copy(_waiters, index + 1, next, index, next.Length - index);
        Volatile.Write(ref _waiters, next);
        if (next.Length == 0 && !Completion.Task.IsCompleted)
        {
            Abandoned = true;
            return true;
        }

        return false;
    }

    /// <summary>The highest priority of the callers still waiting, or <see langword="null"/> when none is left.</summary>
    public DownloadPriority? WaitingPriority()
    {
        DownloadPriority? highest = null;
        foreach (var waiter in Volatile.Read(ref _waiters))
        {
            if (highest is null || waiter.Priority > highest)
            {
                highest = waiter.Priority;
            }
        }

        return highest;
    }

    /// <summary>
    /// Reports progress to every waiter whose call has not ended; <paramref name="partialData"/> (a slice of a buffer never written again at those
    /// positions, so no copy is needed) goes only to those that asked for it, including waiters that joined mid-download.
    /// </summary>
    public void Report(long received, long? expected, ReadOnlyMemory<byte> partialData)
    {
        ImageDownloadProgress? plain = null;
        ImageDownloadProgress? withData = null;
        foreach (var waiter in Volatile.Read(ref _waiters))
        {
            // A waiter that left (or whose call otherwise ended) is still in a snapshot taken before: not reported to.
            if (waiter.Progress is not { } progress || waiter.HasEnded)
            {
                continue;
            }

            var report = waiter.WantsPartialData
                ? withData ??= new ImageDownloadProgress(received, expected) { PartialData = partialData }
                : plain ??= new ImageDownloadProgress(received, expected);
            try
            {
                progress.Report(report);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A broken progress handler of one caller must not fail the download the others are waiting for.
            }
        }
    }

    /// <summary>
    /// Tells the prefetches among the callers that the download waits out a retry (<paramref name="waiting"/>), or that the
    /// wait is over: their prefetcher starts other URLs meanwhile (see <see cref="PrefetchConcurrency"/>). A caller that
    /// joins during the wait is told on joining (<see cref="TryAdd"/>).
    /// </summary>
    public void RetryWait(bool waiting)
    {
        // Under the lock (what it calls only counts): a caller joining meanwhile is told by TryAdd, in order.
        lock (_retryLock)
        {
            _retryWaiting = waiting;
            foreach (var waiter in _waiters)
            {
                if (waiting)
                {
                    waiter.PrefetchSlot?.RetryWaiting();
                }
                else
                {
                    waiter.PrefetchSlot?.RetryResumed();
                }
            }
        }
    }

    /// <summary>Marks the download as ended, with whatever it could resume from kept; called once it can do nothing more.</summary>
    public void MarkUnwound() => _unwound.TrySetResult();

    public void Dispose() => Cancellation.Dispose();
}
