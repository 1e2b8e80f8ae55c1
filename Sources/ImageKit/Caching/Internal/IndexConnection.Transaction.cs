using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ImageKit.Caching.Internal;

/// <summary>The write transaction of a connection: begun immediate with a deadline, committed, or ended after a failure.</summary>
internal sealed partial class IndexConnection
{
    /// <summary>
    /// Begins an immediate transaction: takes the index's write lock, waiting for another process's writer until
    /// <paramref name="deadline"/> (<see cref="Environment.TickCount64"/>) and no longer.
    /// </summary>
    /// <remarks>
    /// Not Microsoft.Data.Sqlite's <c>BeginTransaction</c>: its command retries a busy statement until its command timeout
    /// has passed by the clock, while SQLite's busy handler stops once the sleeps it asked for add up to the busy timeout.
    /// A signal to the thread (a child process ending, a profiler) cuts a sleep short, so SQLite's wait ended a little
    /// early, and the retry waited a whole busy timeout again: 20 s for a 10 s timeout. Here the clock decides: a wait that
    /// ends early is asked again for what is left, and none is begun after the deadline.
    /// </remarks>
    public void Begin(long deadline)
    {
        var db = Connection.Handle!;
        try
        {
            while (true)
            {
                var left = deadline - Environment.TickCount64;
                _ = raw.sqlite3_busy_timeout(db, (int)Math.Clamp(left, 0, int.MaxValue));
                var rc = raw.sqlite3_exec(db, "BEGIN IMMEDIATE");
                if (rc == raw.SQLITE_OK)
                {
                    _inTransaction = true;
                    return;
                }

                if ((rc & 0xFF) != raw.SQLITE_BUSY || Environment.TickCount64 >= deadline)
                {
                    SqliteException.ThrowExceptionForRC(rc, db);
                }

                // Busy before the deadline: a wait cut short, or a busy answer SQLite gives without waiting (another
                // process recovering the WAL). Again in a moment, for what is left.
                Thread.Sleep(1);
            }
        }
        finally
        {
            _ = raw.sqlite3_busy_timeout(db, IndexDatabase.BusyTimeoutMilliseconds);
        }
    }

    /// <summary>Whether a transaction <see cref="Begin"/> began is neither committed nor ended.</summary>
    public bool InTransaction => _inTransaction;

    /// <summary>
    /// Whether a transaction <see cref="Begin"/> began still holds the write lock: false also when SQLite rolled it back by
    /// itself (a full disk or an I/O error in a statement or at commit, a failed commit), which lets go of the lock at once.
    /// </summary>
    public bool HoldsWriteLock => _inTransaction && Connection.Handle is { } db && raw.sqlite3_get_autocommit(db) == 0;

    /// <summary>Commits the transaction <see cref="Begin"/> began.</summary>
    public void Commit()
    {
        if (!_inTransaction)
        {
            return;
        }

        var db = Connection.Handle!;
        var rc = raw.sqlite3_exec(db, "COMMIT");
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        _inTransaction = false;
    }

    /// <summary>Rolls back a transaction that was begun and not committed (after a failure); does nothing otherwise.</summary>
    public void EndTransaction()
    {
        if (!_inTransaction)
        {
            return;
        }

        _inTransaction = false;
        if (Connection.Handle is { } db && raw.sqlite3_get_autocommit(db) == 0)
        {
            _ = raw.sqlite3_exec(db, "ROLLBACK");
        }
    }
}
