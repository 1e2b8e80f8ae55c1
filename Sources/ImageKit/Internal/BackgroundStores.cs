namespace ImageKit.Internal;

/// <summary>
/// Disk stores that run after their load has returned (as SDWebImage stores to disk in the background), once loading
/// pauses: tracked so that they can be awaited and so that none outlives its manager, and with failures counted rather
/// than lost.
/// </summary>
/// <remarks>Thread-safe. Once <see cref="CloseAsync"/> has been called no new store starts.</remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim holds nothing to dispose unless its AvailableWaitHandle is used, which it never is here.")]
internal sealed class BackgroundStores
{
    // File stores block their thread (file writes and the flush are synchronous on Linux and macOS). Started all at once
    // they tied up the thread pool that downloads and decodes: 1,000 loads of small images from a fast server fell from
    // ~7,000/s to ~700/s, and the disk was not faster for it. Waiting stores hold no thread.
    private const int MaxConcurrentFileStores = 1;

    // Stores the disk cache keeps inside its index wait for a shared transaction without holding a thread (group commit),
    // so letting many run at once is what lets them share one: when loading pauses, the stores deferred meanwhile land
    // in a few transactions of up to 256 entries.
    private const int MaxConcurrentInlineStores = 256;

    // Stores yield to loads: until loading pauses (see InFlightLoads, which bounds the wait to 2 s, and releases them
    // early while the loads leave the CPU idle) they wait, because they would take CPU and disk from work someone is
    // waiting for; but never once this many bytes wait, so that a load held by back-pressure (64 MiB) always sees its
    // store run. Going over it releases the oldest waiting stores until MaxDeferredBytes - ReleaseBatchBytes wait, not
    // all of them: releasing everything put the whole backlog's CPU and disk work in the way of the burst's remaining
    // loads (1,000 loads of 16.9 MB from a loopback server: the last few loads released ~1,000 stores at once). A batch
    // rather than one store at a time, so that they still share transactions.
    private const long MaxDeferredBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Past this many bytes held by unfinished stores, the load that starts one waits for it (back-pressure: a network
    /// faster than the disk must not pile up encoded bytes in memory without limit).
    /// </summary>
    public const long MaxPendingBytes = 64L * 1024 * 1024;
    private const long ReleaseBatchBytes = 1L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _fileSlots = new(MaxConcurrentFileStores, MaxConcurrentFileStores);
    private readonly SemaphoreSlim _inlineSlots = new(MaxConcurrentInlineStores, MaxConcurrentInlineStores);
    private readonly HashSet<Task> _running = [];
    private readonly InFlightLoads _loads;

    // Stores waiting for loading to pause, oldest first. Entries stay queued after they leave (released by a pause) until
    // they reach the head: removing them from the middle would cost more than skipping them.
    private readonly Queue<WaitingStore> _waiting = new();
    private long _waitingBytes;
    private long _pendingBytes;
    private long _failures;
    private Exception? _lastFailure;
    private bool _closed;

    public BackgroundStores(InFlightLoads loads) => _loads = loads;

    public long Failures => Interlocked.Read(ref _failures);

    public Exception? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>The bytes held by stores that have not finished.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    /// <summary>
    /// Starts <paramref name="store"/> of <paramref name="bytes"/> bytes on the thread pool. Returns its task, which never
    /// faults, or <see langword="null"/> (and nothing started) once closed.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="bytes">The encoded bytes it holds until it finishes.</param>
    /// <param name="inline">Whether the disk cache keeps these bytes inside its index (a shared transaction, no file).</param>
    /// <param name="mustWait">
    /// Whether the caller must wait for this store (<see cref="MaxPendingBytes"/> is passed); such a store runs at once,
    /// as its caller is a load that keeps loading from pausing.
    /// </param>
    public Task? TryStart(Func<Task> store, long bytes, bool inline, out bool mustWait)
    {
        mustWait = false;
        lock (_lock)
        {
            if (_closed)
            {
                return null;
            }

            mustWait = Interlocked.Add(ref _pendingBytes, bytes) > MaxPendingBytes;
            while (_waiting.TryPeek(out var head) && head.Left)
            {
                _waiting.Dequeue();
            }

            var waiting = new WaitingStore(bytes);
            _waiting.Enqueue(waiting);
            _waitingBytes += bytes;
            if (_waitingBytes > MaxDeferredBytes)
            {
                ReleaseOldestLocked(MaxDeferredBytes - ReleaseBatchBytes);
            }

            if (mustWait && Leave(waiting))
            {
                waiting.TrySetResult();
            }

            var task = RunAsync(store, waiting, inline ? _inlineSlots : _fileSlots);
            _running.Add(task);
            _ = task.ContinueWith(Forget, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return task;
        }
    }

    /// <summary>
    /// Completes when every store started before the call has finished (successfully or not); stores waiting for loads
    /// to end run now. Never throws.
    /// </summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        _loads.Hurry();
        Task[] running;
        lock (_lock)
        {
            running = [.. _running];
        }

        return Task.WhenAll(running).WaitAsync(cancellationToken);
    }

    /// <summary>Refuses new stores and completes when the running ones have finished.</summary>
    public Task CloseAsync()
    {
        lock (_lock)
        {
            _closed = true;
        }

        return WhenIdleAsync();
    }

    private async Task RunAsync(Func<Task> store, WaitingStore waiting, SemaphoreSlim slots)
    {
        // Forced to yield: the store never runs on the caller's thread (a load's), even when loading has already paused;
        // while it has not, this only registers continuations, with no thread-pool hop per store.
        await Task.WhenAny(_loads.WhenPausedAsync(), waiting.Task).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        lock (_lock)
        {
            Leave(waiting);
        }

        var bytes = waiting.Bytes;

        await slots.WaitAsync().ConfigureAwait(false);
        try
        {
            await store().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Nobody awaits a background store for its result: every failure is counted and kept instead.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Volatile.Write(ref _lastFailure, e);
            Interlocked.Increment(ref _failures);
        }
        finally
        {
            slots.Release();
            Interlocked.Add(ref _pendingBytes, -bytes);
        }
    }

    private void ReleaseOldestLocked(long target)
    {
        while (_waitingBytes > target && _waiting.TryDequeue(out var oldest))
        {
            if (Leave(oldest))
            {
                oldest.TrySetResult();
            }
        }
    }

    /// <summary>Takes <paramref name="waiting"/> out of the waiting bytes once; callers hold the lock.</summary>
    private bool Leave(WaitingStore waiting)
    {
        if (waiting.Left)
        {
            return false;
        }

        waiting.Left = true;
        _waitingBytes -= waiting.Bytes;
        return true;
    }

    private static void Forget(Task task, object? state)
    {
        var self = (BackgroundStores)state!;
        lock (self._lock)
        {
            self._running.Remove(task);
        }
    }

    /// <summary>A store waiting for loading to pause; completed when it is released before that.</summary>
    private sealed class WaitingStore(long bytes) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long Bytes { get; } = bytes;

        /// <summary>Whether it no longer waits (released, or loading paused). Guarded by the owner's lock.</summary>
        public bool Left { get; set; }
    }
}
