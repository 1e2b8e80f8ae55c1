using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Makes the next commit of a cache fail the way a full disk or an I/O error at commit does: SQLite rolls the transaction
/// back by itself (here a commit hook refuses the commit), and so lets go of the write lock before the cache hears of the
/// failure. <see cref="FailNext"/>'s action runs right then, inside SQLite's rollback hook, as another process could.
/// </summary>
/// <remarks>
/// Set <see cref="BeforeCommit"/> as <see cref="ImageKit.Caching.DiskImageCacheOptions.BeforeIndexCommit"/>. The hooks
/// stay on the connection; they let every later commit through and run the action once.
/// </remarks>
internal sealed class SqliteRollbacks
{
    private int _armed;
    private Action? _afterRollback;

    /// <summary>How many transactions SQLite rolled back by itself for this.</summary>
    public int Count { get; private set; }

    /// <summary>What the action threw (an exception must not cross SQLite's native frames).</summary>
    public Exception? Failure { get; private set; }

    public void FailNext(Action? afterRollback = null)
    {
        _afterRollback = afterRollback;
        Volatile.Write(ref _armed, 1);
    }

    public void BeforeCommit(SqliteConnection connection)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 0)
        {
            return;
        }

        var db = connection.Handle!;
        var refuse = 1;
        var rolledBack = 0;
        var afterRollback = _afterRollback;
        raw.sqlite3_commit_hook(db, _ => Interlocked.Exchange(ref refuse, 0), null);
        raw.sqlite3_rollback_hook(
            db,
            _ =>
            {
                if (Interlocked.Exchange(ref rolledBack, 1) != 0)
                {
                    return;
                }

                Count++;
                try
                {
                    afterRollback?.Invoke();
                }
                catch (Exception e)
                {
                    Failure = e;
                }
            },
            null);
    }
}
