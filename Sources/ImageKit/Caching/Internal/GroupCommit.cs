namespace ImageKit.Caching.Internal;

/// <summary>
/// Group commit: writes that arrive while a commit is running wait (without holding a thread) and then share the next
/// transaction. The first writer to find no commit running becomes the committer and commits batch after batch on its own
/// thread: the batch that holds its own write, then, if more arrived meanwhile, it hands the committer's role to a pool
/// thread (so no caller is kept committing other callers' writes under sustained load). The others only enqueue and await.
/// </summary>
/// <remarks>
/// <para>
/// A small entry's store is one SQLite transaction, and most of its cost is per transaction rather than per byte: the
/// index pages, the totals row and the file locks are written and taken once however many entries the transaction holds.
/// With one transaction per entry, concurrent stores also queued on the index's write lock, each holding a pool thread.
/// </para>
/// <para>
/// Each write still completes only once its own transaction has committed, so callers keep the guarantee they had.
/// When a shared transaction fails, its writes are retried one by one, so one bad entry cannot fail the others.
/// Thread-safe.
/// </para>
/// </remarks>
/// <typeparam name="T">What one write carries.</typeparam>
internal sealed class GroupCommit<T>
{
    private const int MaxBatchCount = 256;

    private readonly Lock _lock = new();
    private readonly Action<IReadOnlyList<T>> _commit;
    private readonly Func<Exception, bool> _failsEveryWrite;
    private List<Pending> _pending = [];
    private bool _committing;
    private long _transactions;

    /// <param name="commit">Writes a batch in one transaction; throws if the transaction failed (nothing of it committed).</param>
    /// <param name="failsEveryWrite">
    /// Whether a failure is the transaction's, not one write's (a busy or full index): then every write of the batch gets
    /// it at once, instead of each being retried alone and waiting out the same lock again.
    /// </param>
    public GroupCommit(Action<IReadOnlyList<T>> commit, Func<Exception, bool>? failsEveryWrite = null)
    {
        _commit = commit;
        _failsEveryWrite = failsEveryWrite ?? (static _ => false);
    }

    /// <summary>The number of transactions committed (for tests and benchmarks).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Completes once <paramref name="write"/> has committed; faults with the commit's exception if it failed.</summary>
    public Task WriteAsync(T write)
    {
        var pending = new Pending(write);
        lock (_lock)
        {
            _pending.Add(pending);
            if (_committing)
            {
                return pending.Completion.Task;
            }

            _committing = true;
        }

        if (CommitNextBatch())
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.CommitUntilIdle(), this, preferLocal: false);
        }

        return pending.Completion.Task;
    }

    private void CommitUntilIdle()
    {
        while (CommitNextBatch())
        {
        }
    }

    // Commits the oldest pending writes; returns whether more are pending (the caller then stays the committer).
    private bool CommitNextBatch()
    {
        List<Pending> batch;
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                _committing = false;
                return false;
            }

            if (_pending.Count <= MaxBatchCount)
            {
                batch = _pending;
                _pending = [];
            }
            else
            {
                batch = _pending.GetRange(0, MaxBatchCount);
                _pending.RemoveRange(0, MaxBatchCount);
            }
        }

        Commit(batch);

        lock (_lock)
        {
            if (_pending.Count > 0)
            {
                return true;
            }

            _committing = false;
            return false;
        }
    }

    private void Commit(List<Pending> batch)
    {
        try
        {
            _commit(batch.ConvertAll(static p => p.Write));
            Interlocked.Increment(ref _transactions);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetResult();
            }

            return;
        }
#pragma warning disable CA1031 // Every failure goes to the writers that were waiting for this commit.
        catch (Exception e) when (batch.Count == 1 || _failsEveryWrite(e))
#pragma warning restore CA1031
        {
            if (_failsEveryWrite(e))
            {
                // The writes that queued up while this transaction waited out the lock would wait it out again, one batch
                // after another: they fail with it.
                lock (_lock)
                {
                    batch.AddRange(_pending);
                    _pending = [];
                }
            }

            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(e);
            }

            return;
        }
        catch (Exception) when (batch.Count > 1)
        {
            // Rolled back as a whole: find out which writes fail on their own.
        }

        foreach (var pending in batch)
        {
            Commit([pending]);
        }
    }

    private sealed class Pending(T write)
    {
        public T Write { get; } = write;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
