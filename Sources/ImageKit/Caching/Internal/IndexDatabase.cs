using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

/// <summary>
/// The SQLite index (WAL, synchronous=NORMAL, a busy timeout for other processes) and a small pool of connections.
/// Thread-safe. A corrupt or unreadable index is deleted and recreated empty, at open or when an operation meets it;
/// <see cref="Generation"/> counts rebuilds so that connections to the old file are retired.
/// </summary>
internal sealed partial class IndexDatabase : IDisposable
{
    public const string FileName = "index.sqlite";

    private const string SystemErrorKey = "ImageKit.SystemError";
    private const string SystemErrnoKey = "ImageKit.SystemErrno";

    /// <summary>ENOENT, the same number on Linux and macOS.</summary>
    private const int NoSuchFile = 2;
    private const int MaxIdleConnections = 4;
    /// <summary>How long SQLite waits for another process's writer or checkpoint (and a writer of this process for its turn).</summary>
    internal const int BusyTimeoutMilliseconds = 10_000;

    private readonly ConcurrentBag<IndexConnection> _idle = [];
    private readonly Lock _rebuildLock = new();
    private readonly Lock _writeLock = new();
    private readonly string _connectionString;
    private readonly string _createConnectionString;
    private int _idleCount;
    private int _generation;
    private long _stampTicks;
    private bool _disposed;

    public IndexDatabase(string directory)
    {
        FilePath = Path.Combine(directory, FileName);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = false, // this type pools; SQLite's own pool would keep the file open after Dispose
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        };

        // Only opening the index (Initialize) creates the file: a connection opened later by its path finds it or fails. A
        // file deleted underneath (the folder emptied by the user or a cleaning tool) would otherwise come back empty,
        // without tables, and fail every statement after it.
        _connectionString = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _createConnectionString = builder.ToString();

        try
        {
            // Shared with other openers, exclusive to a rebuild: a cache opening the file by its path while another one
            // deletes and recreates it could create a new file whose journal the rebuild then deletes under it.
            using (ShareRebuildStamp())
            {
                Initialize();
            }
        }
        catch (SqliteException e) when (IsDamage(e) || WasReplacedUnderneath(e))
        {
            // Damaged, or recreated by another cache while this one opened it: Rebuild looks again under the lock.
            Rebuild(_generation, useFileAtPath: true);
        }

        // The stamp file exists from here on (created now, once the folder is known to be a cache of ours), so that only a
        // rebuild's rewrite changes it; its creation by a first rebuild would look like another cache's.
        EnsureRebuildStamp();
    }

    public string FilePath { get; }

    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Called in each write transaction just before it commits, with its connection (<see cref="DiskImageCacheOptions.BeforeIndexCommit"/>; for tests).</summary>
    public Action<SqliteConnection>? BeforeCommit { get; init; }

    /// <summary>True once the index was found damaged and recreated by this instance.</summary>
    public bool WasRebuilt { get; private set; }

    /// <summary>Runs a read on a pooled connection (no transaction: WAL readers never block writers).</summary>
    public T Read<T>(Func<IndexConnection, T> read) => Run(read);

    /// <summary>Runs a write in an immediate transaction: the cross-process lock that orders blob renames with their rows.</summary>
    /// <remarks>
    /// Writers of this instance take turns on a .NET lock before they ask SQLite for its write lock. Left to SQLite, the
    /// losers of each race get SQLITE_BUSY and sleep in the busy handler (milliseconds each, growing), which held
    /// concurrent stores to a few hundred a second; the busy timeout is still there for writers in other processes.
    /// </remarks>
    /// <param name="write">The work of the transaction.</param>
    /// <param name="undo">
    /// What puts back the files <paramref name="write"/> moved, when its transaction fails instead of committing: called
    /// once for each run of the work that does not commit (also before the work is run again on a damaged or replaced
    /// index), never after a commit, and always while this instance's writers wait (see <see cref="UndoFailedWork"/>).
    /// Called with <see langword="null"/> while the transaction is still open: the write lock was held all along, so
    /// everything can be put back. Called with the connection when SQLite had already rolled the transaction back by
    /// itself (a full disk or an I/O error in the work or at commit), which let go of the write lock for a moment, so
    /// that another cache or process may have written or removed the same keys since: the connection then holds the
    /// lock again in a new transaction (<see cref="IndexConnection.HoldsWriteLock"/>; false if it could not be taken, or
    /// if the connection's file is no longer the folder's index: another cache recreated it meanwhile), and the undo must
    /// check a key's row through it before it takes a file away from that key. Must not throw.
    /// </param>
    public T Write<T>(Func<IndexConnection, T> write, Action<IndexConnection?>? undo = null)
    {
        // Waiters share the busy timeout: when another process holds the write lock, each queued writer must not wait
        // out its own 10 s after the one before it did. Whatever this writer waits for its turn counts against the
        // time SQLite may then wait for the write lock.
        var deadline = Environment.TickCount64 + BusyTimeoutMilliseconds;
        if (!_writeLock.TryEnter(BusyTimeoutMilliseconds))
        {
            throw new DiskCacheException(FilePath, $"the cache index stayed locked by another writer for more than {BusyTimeoutMilliseconds / 1000} s");
        }

        try
        {
            var result = Run(write, writeDeadline: deadline, undo: undo);
            ScheduleCheckpoint();
            return result;
        }
        finally
        {
            _writeLock.Exit();
        }
    }

    public void Dispose()
    {
        StopCheckpoints();
        lock (_rebuildLock)
        {
            _disposed = true;
            DrainIdle();
        }
    }

    /// <param name="operation">What to run on the rented connection.</param>
    /// <param name="writeDeadline">
    /// For a write: when to stop waiting for the write lock (<see cref="Environment.TickCount64"/>); the operation runs in
    /// an immediate transaction. <see langword="null"/> for a read.
    /// </param>
    /// <param name="busyTimeout">For a read: SQLite's busy timeout for this call, if not the usual one.</param>
    /// <param name="undo">For a write: see <see cref="Write{T}(Func{IndexConnection, T}, Action{IndexConnection?}?)"/>.</param>
    private T Run<T>(Func<IndexConnection, T> operation, long? writeDeadline = null, int? busyTimeout = null, Action<IndexConnection?>? undo = null)
    {
        var write = writeDeadline is not null;
        for (var attempt = 0; ; attempt++)
        {
            var generation = Generation;
            var pendingUndo = undo; // once for each run of the work
            IndexConnection? connection = null;
            try
            {
                connection = Rent();
                if (busyTimeout is { } shorter)
                {
                    connection.Execute($"PRAGMA busy_timeout = {shorter}");

                    // Microsoft.Data.Sqlite retries a busy statement on its own until the command timeout has passed,
                    // whole seconds from DefaultTimeout, however short SQLite's busy timeout. (At least 1: a DefaultTimeout
                    // of 0 means "retry for ever" to Microsoft.Data.Sqlite.)
                    connection.Connection.DefaultTimeout = Math.Max(1, (shorter + 999) / 1000);
                }

                if (writeDeadline is { } deadline)
                {
                    connection.Begin(deadline);

                    // Holding this file's write lock: if another cache recreated the index meanwhile, this connection's
                    // file is no longer the folder's, and what it committed would be lost.
                    if (IndexWasReplaced())
                    {
                        connection.Dispose();
                        connection = null;
                        Retire(generation);
                        continue;
                    }
                }

                // The file deleted or replaced from outside (the folder emptied by the user or a cleaning tool): a write,
                // which looks every time while it holds the write lock, would be lost into the deleted file (SQLite in WAL
                // mode writes on without a word); a read, which looks at most once a second, would answer from it and
                // keep its disk space taken until the process ends.
                if (attempt < 3 && (write || IsTimeToCheckForMove()) && BundledSqlite.FileHasMoved(connection.Connection))
                {
                    connection.Dispose();
                    connection = null;
                    Rebuild(generation, useFileAtPath: true);
                    continue;
                }

                var result = operation(connection);
                if (write)
                {
                    BeforeCommit?.Invoke(connection.Connection);
                    connection.Commit();
                }

                return result;
            }
            catch (SqliteException e) when (connection is not null && NoteSystemError(e, connection.Connection))
            {
                throw; // not reached: NoteSystemError returns false
            }
            catch (SqliteException e) when (IsDamage(e) && attempt == 0)
            {
                UndoFailedWork(connection, ref pendingUndo);
                connection?.Dispose();
                connection = null;
                Rebuild(generation);
            }
            catch (SqliteException e) when (IsOutOfMemory(e) && attempt == 0)
            {
                UndoFailedWork(connection, ref pendingUndo);
                connection?.Dispose();
                connection = null;
                if (!CheckFindsDamage())
                {
                    throw new DiskCacheException(FilePath, $"the cache index failed: {Describe(e)}", e);
                }

                Rebuild(generation);
            }
            catch (SqliteException e) when (WasDeletedUnderneath(e) && attempt < 3)
            {
                // The index file (or the whole folder) was deleted from outside: start again, empty, in the same place.
                UndoFailedWork(connection, ref pendingUndo);
                connection?.Dispose();
                connection = null;
                Rebuild(generation, useFileAtPath: true);
            }
            catch (SqliteException e) when (WasReplacedUnderneath(e) && attempt < 3)
            {
                UndoFailedWork(connection, ref pendingUndo);
                connection?.Dispose();
                connection = null;
                Retire(generation);
            }
            catch (SqliteException e)
            {
                throw new DiskCacheException(FilePath, $"the cache index failed: {Describe(e)}", e);
            }
            finally
            {
                if (connection is not null)
                {
                    UndoFailedWork(connection, ref pendingUndo);
                    connection.EndTransaction();
                    if (busyTimeout is not null)
                    {
                        connection.Execute($"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}");
                        connection.Connection.DefaultTimeout = BusyTimeoutMilliseconds / 1000;
                    }

                    Return(connection);
                }
            }
        }
    }

    /// <summary>
    /// Calls the undo of a run of the work whose transaction was begun and not committed (the work failed, or its commit
    /// did), at most once; called before the connection rolls back or is disposed, and always within
    /// <see cref="Write{T}(Func{IndexConnection, T}, Action{IndexConnection?}?)"/>'s turn, so no other writer of this
    /// instance is in between. When SQLite rolled the transaction back by itself, its write lock was let go: it is taken
    /// again first, so that the undo checks and moves files while no writer of another cache or process can either.
    /// </summary>
    /// <remarks>
    /// The lock is the folder's only while the connection's file is the folder's index: another cache may have recreated
    /// the index meanwhile (while SQLite had let go of the lock, or after waiting for it past the busy timeout), and a
    /// lock on the deleted file keeps nobody out, nor are its rows the folder's. Then the transaction is ended and the
    /// undo runs as when the lock could not be taken again (<see cref="IndexConnection.HoldsWriteLock"/> false): it takes
    /// no file away from a key.
    /// </remarks>
    private void UndoFailedWork(IndexConnection? connection, ref Action<IndexConnection?>? undo)
    {
        if (connection is null || !connection.InTransaction || undo is not { } pending)
        {
            return;
        }

        undo = null;
        var heldAllAlong = connection.HoldsWriteLock;
        if (!heldAllAlong)
        {
            try
            {
                connection.Begin(Environment.TickCount64 + BusyTimeoutMilliseconds);
            }
            catch (SqliteException)
            {
                // Not taken (another process holds it, or the disk fails again): the undo sees HoldsWriteLock false.
            }
        }

        if (connection.HoldsWriteLock && (IndexWasReplaced() || BundledSqlite.FileHasMoved(connection.Connection)))
        {
            connection.EndTransaction();
            pending(connection);
            return;
        }

        pending(heldAllAlong ? null : connection);
    }

    /// <summary><see cref="CheckFindsDamage(SqliteConnection)"/> on a connection of its own (the one that failed may be in a transaction SQLite rolled back).</summary>
    private bool CheckFindsDamage()
    {
        IndexConnection connection;
        try
        {
            connection = Rent();
        }
        catch (SqliteException)
        {
            return false;
        }

        try
        {
            return CheckFindsDamage(connection.Connection);
        }
        finally
        {
            Return(connection);
        }
    }

    private IndexConnection Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (_idle.TryTake(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            if (connection.Generation == Generation)
            {
                return connection;
            }

            connection.Dispose();
        }

        // A new connection opens the file by its path: never while a rebuild (this cache's, or another's: the stamp's shared
        // lock) deletes and recreates it, which would open the old file under the new generation, or an empty one.
        lock (_rebuildLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using (ShareRebuildStamp())
            {
                return Open(Generation);
            }
        }
    }

    private void Return(IndexConnection connection)
    {
        if (Volatile.Read(ref _disposed) || connection.Generation != Generation || Interlocked.Increment(ref _idleCount) > MaxIdleConnections)
        {
            if (!Volatile.Read(ref _disposed) && connection.Generation == Generation)
            {
                Interlocked.Decrement(ref _idleCount);
            }

            connection.Dispose();
            return;
        }

        _idle.Add(connection);
        if (Volatile.Read(ref _disposed))
        {
            DrainIdle();
        }
    }

    private void DrainIdle()
    {
        while (_idle.TryTake(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            connection.Dispose();
        }
    }
}
