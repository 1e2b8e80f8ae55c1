using System.Collections.Concurrent;
using System.Runtime.InteropServices;
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
    private int _idleCount;
    private int _generation;
    private long _stampTicks;
    private bool _disposed;

    public IndexDatabase(string directory)
    {
        FilePath = Path.Combine(directory, FileName);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false, // this type pools; SQLite's own pool would keep the file open after Dispose
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();

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
            Rebuild(_generation, seenAtOpen: true);
        }

        // The stamp file exists from here on (created now, once the folder is known to be a cache of ours), so that only a
        // rebuild's rewrite changes it; its creation by a first rebuild would look like another cache's.
        EnsureRebuildStamp();
    }

    public string FilePath { get; }

    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Called in each write transaction just before it commits (<see cref="DiskImageCacheOptions.BeforeIndexCommit"/>; for tests).</summary>
    public Action? BeforeCommit { get; init; }

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
    /// What puts back the files <paramref name="write"/> moved when the transaction fails instead of committing: called
    /// before the rollback, so still under the write lock (unless SQLite rolled back by itself, as after some I/O errors).
    /// Must not throw. Not called when the work is run again (a damaged or replaced index), nor after a commit.
    /// </param>
    public T Write<T>(Func<IndexConnection, T> write, Action? undo = null)
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

    /// <summary>
    /// SQLite's verdict that the file is not (or no longer) a usable database: SQLITE_CORRUPT or SQLITE_NOTADB, or one of
    /// the two header faults SQLite reports as a plain SQLITE_ERROR when it reads the schema: a schema format number no
    /// SQLite writes (above 4, the format of every SQLite since 2006), and a text encoding that is not 1, 2 or 3 (read as
    /// UTF-8 the first time, then refused with the message meant for attached databases, which the index never has).
    /// Busy, full, read-only and I/O errors are not damage (rebuilding would throw away a healthy index).
    /// </summary>
    internal static bool IsDamage(SqliteException e) =>
        (e.SqliteErrorCode & 0xFF) is 11 or 26
        || (e.SqliteErrorCode == 1 && (e.Message.Contains("unsupported file format", StringComparison.Ordinal)
            || e.Message.Contains("attached databases must use the same text encoding", StringComparison.Ordinal)));

    /// <summary>
    /// Records the operating system's error behind an SQLite I/O or open failure (SQLite's message leaves it out) in the
    /// exception's <see cref="Exception.Data"/>, for <see cref="Describe"/>. Returns <see langword="false"/>: called from
    /// an exception filter, while the connection that failed is still open.
    /// </summary>
    internal static bool NoteSystemError(SqliteException e, SqliteConnection connection)
    {
        if ((e.SqliteErrorCode & 0xFF) is 10 or 14 && SqliteSystemError.Of(connection) is var errno and not 0)
        {
            e.Data[SystemErrorKey] = $"{Marshal.GetPInvokeErrorMessage(errno)}, errno {errno}";
            e.Data[SystemErrnoKey] = errno;
        }

        return false;
    }

    /// <summary>The exception's message, with the operating system's error where <see cref="NoteSystemError"/> found one.</summary>
    internal static string Describe(Exception e) => e.Data[SystemErrorKey] is string system ? $"{e.Message.TrimEnd('.')} ({system})" : e.Message;

    /// <summary>
    /// SQLITE_NOMEM, which SQLite also returns for damage: a record read from a damaged page whose size field asks for more
    /// memory than SQLite allocates at once. <see cref="CheckFindsDamage(SqliteConnection)"/> tells the two apart.
    /// </summary>
    internal static bool IsOutOfMemory(SqliteException e) => (e.SqliteErrorCode & 0xFF) == 7;

    /// <summary>
    /// Whether SQLite's <c>quick_check</c> finds the file damaged; asked after <see cref="IsOutOfMemory"/>, so that damage
    /// is recreated while a real allocation failure is reported as one. A check that fails for another reason (out of
    /// memory again, busy) finds nothing: a healthy index is never thrown away on a guess.
    /// </summary>
    internal static bool CheckFindsDamage(SqliteConnection connection)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check(1);";
            return command.ExecuteScalar() is not "ok";
        }
        catch (SqliteException e) when (IsDamage(e))
        {
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    private const string ReadOnlyHeader = "the index's header marks it read-only for this SQLite (damaged)";

    // Read-only now, though it could be written when it was opened: what a header with an unknown write version does.
    private static bool TurnedReadOnly(IndexConnection connection) =>
        IndexConnection.IsReadOnlyNow(connection.Connection) && !connection.WriteProtectedAtOpen;

    /// <summary>
    /// SQLite's sign that the file this connection has open was deleted or replaced by another cache (which recreated a
    /// damaged index): SQLITE_READONLY_DBMOVED; SQLITE_IOERR_DELETE_NOENT from a journal that went with it; or
    /// SQLITE_IOERR_FSTAT with ENOENT (recorded by <see cref="NoteSystemError"/>), which is what a connection's first read
    /// gets when the file went after the connection opened it: opening the WAL, SQLite's Unix layer looks up the database
    /// by its path (a <c>stat</c>, to give the WAL the database's permissions) and reports that it is gone as a failed
    /// <c>fstat</c>. Without the errno (another SQLite build) that failure stays an I/O error.
    /// </summary>
    internal static bool WasReplacedUnderneath(SqliteException e) =>
        e.SqliteExtendedErrorCode is 1032 or 5898 || (e.SqliteExtendedErrorCode == 1802 && e.Data[SystemErrnoKey] is NoSuchFile);

    /// <summary>A failure of the index as a whole, whatever was written: busy or locked (another process holds the write lock past the busy timeout), full, read-only or an I/O error.</summary>
    internal static bool IsBusyOrFull(Exception e) =>
        (e as SqliteException ?? e.InnerException as SqliteException)?.SqliteErrorCode is { } code && (code & 0xFF) is 5 or 6 or 8 or 10 or 13;

    /// <param name="operation">What to run on the rented connection.</param>
    /// <param name="writeDeadline">
    /// For a write: when to stop waiting for the write lock (<see cref="Environment.TickCount64"/>); the operation runs in
    /// an immediate transaction. <see langword="null"/> for a read.
    /// </param>
    /// <param name="busyTimeout">For a read: SQLite's busy timeout for this call, if not the usual one.</param>
    /// <param name="undo">For a write: see <see cref="Write{T}(Func{IndexConnection, T}, Action?)"/>.</param>
    private T Run<T>(Func<IndexConnection, T> operation, long? writeDeadline = null, int? busyTimeout = null, Action? undo = null)
    {
        var write = writeDeadline is not null;
        for (var attempt = 0; ; attempt++)
        {
            var generation = Generation;
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

                var result = operation(connection);
                if (write)
                {
                    BeforeCommit?.Invoke();
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
                connection?.Dispose();
                connection = null;
                Rebuild(generation);
            }
            catch (SqliteException e) when (IsOutOfMemory(e) && attempt == 0)
            {
                connection?.Dispose();
                connection = null;
                if (!CheckFindsDamage())
                {
                    undo?.Invoke(); // rolled back with the connection
                    throw new DiskCacheException(FilePath, $"the cache index failed: {Describe(e)}", e);
                }

                Rebuild(generation);
            }
            catch (SqliteException e) when (WasReplacedUnderneath(e) && attempt < 3)
            {
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
                    if (connection.InTransaction)
                    {
                        // Begun and neither committed nor rolled back: the work failed, or its commit did.
                        undo?.Invoke();
                    }

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
