namespace ImageKit.Internal;

/// <summary>
/// Disk stores that run after their load has returned (as SDWebImage stores to disk in the background): tracked so that
/// they can be awaited and so that none outlives its manager, and with failures counted rather than lost.
/// </summary>
/// <remarks>Thread-safe. Once <see cref="CloseAsync"/> has been called no new store starts.</remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim holds nothing to dispose unless its AvailableWaitHandle is used, which it never is here.")]
internal sealed class BackgroundStores
{
    // Disk stores block their thread (file writes and the flush are synchronous on Linux and macOS; index writes take turns
    // on a lock). Started all at once they tied up the thread pool that downloads and decodes: 1,000 loads of small images
    // from a fast server fell from ~7,000/s to ~700/s, and the disk was not faster for it. Waiting stores hold no thread.
    private const int MaxConcurrentStores = 1;

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _slots = new(MaxConcurrentStores, MaxConcurrentStores);
    private readonly HashSet<Task> _running = [];
    private long _pendingBytes;
    private long _failures;
    private Exception? _lastFailure;
    private bool _closed;

    public long Failures => Interlocked.Read(ref _failures);

    public Exception? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>The bytes held by stores that have not finished.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    /// <summary>
    /// Starts <paramref name="store"/> of <paramref name="bytes"/> bytes on the thread pool. Returns its task, which never
    /// faults, or <see langword="null"/> (and nothing started) once closed.
    /// </summary>
    public Task? TryStart(Func<Task> store, long bytes)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return null;
            }

            Interlocked.Add(ref _pendingBytes, bytes);
            var task = Task.Run(async () =>
            {
                await _slots.WaitAsync().ConfigureAwait(false);
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
                    _slots.Release();
                    Interlocked.Add(ref _pendingBytes, -bytes);
                }
            });
            _running.Add(task);
            _ = task.ContinueWith(Forget, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return task;
        }
    }

    /// <summary>Completes when every store started before the call has finished (successfully or not). Never throws.</summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
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

    private static void Forget(Task task, object? state)
    {
        var self = (BackgroundStores)state!;
        lock (self._lock)
        {
            self._running.Remove(task);
        }
    }
}
