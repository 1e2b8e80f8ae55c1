namespace ImageKit.Internal;

/// <summary>
/// Counts the loads of a manager that are running (cache hits included), and tells when the last has ended once the
/// manager closes: disposing waits for that, so that no load touches the caches or the downloader once Dispose has
/// returned. Thread-safe and lock-free: two interlocked operations per load.
/// </summary>
internal sealed class LoadGate
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private int _closed;

    /// <summary>How many loads are running now; for tests.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Counts a load in; <see langword="false"/> (not counted) once <see cref="CloseAsync"/> was called.</summary>
    public bool TryEnter()
    {
        // Counted before the closed flag is read, and Close sets the flag before it reads the count (both interlocked,
        // full fences): a load that enters as the gate closes is either seen by Close or sees the flag and leaves.
        Interlocked.Increment(ref _running);
        if (Volatile.Read(ref _closed) == 0)
        {
            return true;
        }

        Exit();
        return false;
    }

    /// <summary>Counts a load out; called once for each <see cref="TryEnter"/> that returned <see langword="true"/>.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _running) == 0 && Volatile.Read(ref _closed) != 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Lets no more loads in; the task completes when those running have ended. Idempotent.</summary>
    public Task CloseAsync()
    {
        Interlocked.Exchange(ref _closed, 1);
        if (Volatile.Read(ref _running) == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }
}
