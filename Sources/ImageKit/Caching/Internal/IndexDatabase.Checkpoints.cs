using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

/// <summary>
/// Checkpoints in the background. SQLite's automatic checkpoint runs inside the commit that passes its threshold: that
/// commit then copies the WAL into the database file and waits for two <c>fsync</c>s, holding the write lock, and every
/// store queued behind it waits too. On the benchmark VM that was about 30 µs of every small inline store's wall time,
/// and a load that waits for its store (<c>WaitForDiskStore</c>) paid it in full. Here a write schedules a passive
/// checkpoint shortly after it, on the thread pool, on a connection of its own; SQLite's own stays as a backstop for a WAL
/// the background ones do not keep up with (a reader holding an old snapshot, writes that never pause).
/// </summary>
internal sealed partial class IndexDatabase
{
    /// <summary>SQLite's own checkpoint-on-commit threshold, a backstop only: 8,192 pages (32 MiB of WAL).</summary>
    internal const int AutoCheckpointPages = 8192;

    // Long enough that a burst of stores shares one checkpoint, short enough that the WAL stays a few MiB.
    private static readonly TimeSpan s_checkpointDelay = TimeSpan.FromMilliseconds(50);

    private readonly Lock _checkpointTimerLock = new();
    private readonly Lock _checkpointRunLock = new();
    private ITimer? _checkpointTimer;
    private int _checkpointScheduled;
    private bool _checkpointsStopped;
    private long _checkpointsStarted;
    private long _checkpointsFinished;
    private long _backstopTruncations;

    /// <summary>
    /// The WAL's size, in frames, at which a background checkpoint cuts it back with this instance's writers waiting: half
    /// of SQLite's backstop (16 MiB of pages), as the WAL goes on growing while the passive checkpoint that measures it runs.
    /// </summary>
    internal const int TruncateAtFrames = AutoCheckpointPages / 2;

    /// <summary>How long a truncating checkpoint at the backstop waits for readers before it gives up until the next one.</summary>
    private const int TruncateBusyTimeoutMilliseconds = 1000;

    /// <summary>How many times the WAL reached the backstop's size and was cut back with this instance's writers waiting (for tests).</summary>
    internal long BackstopTruncations => Interlocked.Read(ref _backstopTruncations);

    /// <summary>How many background checkpoints have begun (for tests: a store's pages seen in the file before any began were copied by the commit).</summary>
    internal long BackgroundCheckpointsStarted => Interlocked.Read(ref _checkpointsStarted);

    /// <summary>How many background checkpoints have ended, copied or not (for tests: none is running when it equals <see cref="BackgroundCheckpointsStarted"/>).</summary>
    internal long BackgroundCheckpointsFinished => Interlocked.Read(ref _checkpointsFinished);

    /// <summary>Called after every committed write: one checkpoint is pending at most, whatever the number of writes.</summary>
    private void ScheduleCheckpoint()
    {
        if (Interlocked.Exchange(ref _checkpointScheduled, 1) != 0)
        {
            return;
        }

        lock (_checkpointTimerLock)
        {
            if (_checkpointsStopped)
            {
                return;
            }

            // Not in the context of the write that first schedules one: the timer would keep it alive as long as the index.
            _checkpointTimer ??= ImageKit.Internal.ContextFreeTimer.Create(
                TimeProvider.System, static state => ((IndexDatabase)state!).CheckpointQuietly(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _checkpointTimer.Change(s_checkpointDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void CheckpointQuietly()
    {
        lock (_checkpointRunLock)
        {
            // Writes committed from here on schedule the next checkpoint: this one may not see their frames.
            Volatile.Write(ref _checkpointScheduled, 0);
            if (Volatile.Read(ref _checkpointsStopped))
            {
                return;
            }

            Interlocked.Increment(ref _checkpointsStarted);
            try
            {
                // Passive: copies what no reader still needs, never waits for readers or writers, never takes the write lock.
                var logFrames = Read(static connection => connection.Checkpoint("PASSIVE").LogFrames);
                if (logFrames >= TruncateAtFrames)
                {
                    TruncateWalUnderWriteLock();
                    return;
                }

                TruncateWalIfIdleAndOverLimit();
            }
#pragma warning disable CA1031 // A checkpoint is housekeeping: whatever stopped it (a busy or replaced index, closing), the next one or SQLite's own catches up.
            catch (Exception e) when (e is SqliteException or DiskCacheException or ObjectDisposedException or IOException)
#pragma warning restore CA1031
            {
            }
            finally
            {
                Interlocked.Increment(ref _checkpointsFinished);
            }
        }
    }

    /// <summary>
    /// A passive checkpoint never restarts the WAL: only a writer that begins once every frame is checkpointed does, and
    /// only then does SQLite cut the file back to <see cref="MaxWalBytes"/>. After writes that never paused (the WAL then
    /// grows to SQLite's backstop, 32 MiB), no writer comes once they stop, and the file stayed that large on disk for as
    /// long as the cache was idle. So once writes have stopped (none committed since this checkpoint began) and the file
    /// is over the limit, a truncating checkpoint runs, between this instance's writes (its writers wait on the .NET lock,
    /// not in SQLite's busy handler); it gives up at once when a reader or another process's writer is in the way.
    /// </summary>
    private void TruncateWalIfIdleAndOverLimit()
    {
        long length;
        try
        {
            length = new FileInfo(FilePath + "-wal").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // no WAL (closed, or deleted by a rebuild), or not ours to see: nothing to cut back
        }

        // A write committed meanwhile has scheduled the next checkpoint, which will look again. No busy wait here.
        if (length > MaxWalBytes && Volatile.Read(ref _checkpointScheduled) == 0)
        {
            TruncateWal(waitForWriters: TimeSpan.Zero, busyTimeoutMilliseconds: 0);
        }
    }

    /// <summary>
    /// The bound on the WAL under writes that never pause. A passive checkpoint beside writers never catches up with the
    /// end of the WAL, so the WAL is never restarted and keeps growing; SQLite's own backstop (a checkpoint in the commit
    /// that passes <see cref="AutoCheckpointPages"/>) would stop that, but it gives up silently while this background
    /// checkpoint holds the checkpoint lock, and the WAL was seen at 68 MB. So once the WAL has reached
    /// <see cref="TruncateAtFrames"/>, this instance's writers wait (as they would behind SQLite's backstop) while a
    /// truncating checkpoint copies the rest and cuts the file back; readers get up to a second to finish. Another
    /// process's writer or checkpoint in the way makes it give up until the next checkpoint.
    /// </summary>
    private void TruncateWalUnderWriteLock()
    {
        if (TruncateWal(TimeSpan.FromMilliseconds(BusyTimeoutMilliseconds), TruncateBusyTimeoutMilliseconds))
        {
            Interlocked.Increment(ref _backstopTruncations);
        }
    }

    /// <summary>
    /// A truncating checkpoint between this instance's writes: its writers wait on the .NET lock (up to
    /// <paramref name="waitForWriters"/> for this one to get it), SQLite's busy handler waits for readers and other
    /// processes up to <paramref name="busyTimeoutMilliseconds"/> (Run sets it for this call and restores it).
    /// </summary>
    /// <returns>Whether it ran (it may still have been kept from finishing by a reader or another process).</returns>
    private bool TruncateWal(TimeSpan waitForWriters, int busyTimeoutMilliseconds)
    {
        if (!_writeLock.TryEnter(waitForWriters))
        {
            return false;
        }

        try
        {
            Run(
                static connection =>
                {
                    connection.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
                    return 0;
                },
                busyTimeout: busyTimeoutMilliseconds);
            return true;
        }
        finally
        {
            _writeLock.Exit();
        }
    }

    /// <summary>No checkpoint starts after this returns, and none is running.</summary>
    private void StopCheckpoints()
    {
        lock (_checkpointTimerLock)
        {
            Volatile.Write(ref _checkpointsStopped, true);
            _checkpointTimer?.Dispose();
            _checkpointTimer = null;
        }

        lock (_checkpointRunLock)
        {
            // Waits out a checkpoint in progress; later callbacks see the flag.
        }
    }
}
