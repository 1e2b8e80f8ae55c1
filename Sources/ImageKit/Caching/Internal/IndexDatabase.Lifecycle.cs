using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

internal sealed partial class IndexDatabase
{
    /// <summary>The size the WAL file is cut back to after it has grown past it.</summary>
    internal const long MaxWalBytes = 4L * 1024 * 1024;

    /// <summary>
    /// <see cref="Initialize"/>, again when another cache opening the same new file at the same moment (outside the rebuild
    /// lock: it has not met the damage yet) made SQLite's journal vanish under this one.
    /// </summary>
    private void InitializeRetryingRaces()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Initialize();
                return;
            }
            catch (SqliteException e) when (WasReplacedUnderneath(e) && attempt < 10)
            {
                Interlocked.Increment(ref _generation);
                Thread.Sleep(10);
            }
        }
    }

    private IndexConnection? HoldWriteLockIfPossible()
    {
        IndexConnection? connection = null;
        try
        {
            connection = Open(-1);
            connection.Begin(Environment.TickCount64 + BusyTimeoutMilliseconds);
            return connection;
        }
        catch (SqliteException)
        {
            // Too damaged to lock, or locked by another process past the busy timeout: recreate without it.
            connection?.Dispose();
            return null;
        }
    }

    /// <param name="generation">The generation the connection belongs to (-1: none, never pooled).</param>
    /// <param name="create">Whether a missing file is created (only when the index is opened or recreated).</param>
    private IndexConnection Open(int generation, bool create = false)
    {
        var connection = new SqliteConnection(create ? _createConnectionString : _connectionString);
        try
        {
            connection.Open();
            var writeProtected = IndexConnection.IsReadOnlyNow(connection);
            using var command = connection.CreateCommand();
            // A shared transaction of small entries can hold megabytes of bytes; without a limit the WAL file would stay
            // at the size of the largest one for ever. With it, SQLite cuts the file back once the WAL restarts.
            // Checkpoints run in the background (see ScheduleCheckpoint); SQLite's own on commit is only a backstop.
            command.CommandText =
                $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = {MaxWalBytes}; " +
                $"PRAGMA wal_autocheckpoint = {AutoCheckpointPages};";
            command.ExecuteNonQuery();
            return new IndexConnection(connection, generation, writeProtected);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens the file, turns on WAL, creates the schema if it is new (or of another version), and probes it cheaply.</summary>
    private void Initialize()
    {
        using var connection = Open(Generation, create: true);
        try
        {
            CheckAndPrepare(connection);
        }
        catch (SqliteException e) when (NoteSystemError(e, connection.Connection))
        {
            throw; // not reached: NoteSystemError returns false
        }
        catch (SqliteException e) when ((e.SqliteErrorCode & 0xFF) == 8 && TurnedReadOnly(connection))
        {
            // SQLITE_READONLY from a file that could be written when it was opened: the header check below, met earlier.
            // A header with read version 1 (rollback journal) fails on the switch to WAL before that check is reached.
            throw new SqliteException(ReadOnlyHeader, 11);
        }
        catch (SqliteException e) when (IsOutOfMemory(e))
        {
            // A damaged page (one found by fuzzing: cells that are not where the page's pointers say) fails the probe
            // with SQLITE_NOMEM. Damage only if SQLite's own check says so: a real allocation failure keeps the index.
            if (!CheckFindsDamage(connection.Connection))
            {
                throw;
            }

            throw new SqliteException($"the index is damaged: reading it failed with '{e.Message}', and its quick_check finds damaged pages", 11);
        }
    }

    private void CheckAndPrepare(IndexConnection connection)
    {
        using var command = connection.Connection.CreateCommand();

        // Someone else's SQLite database under this name (tables, and no schema version of ours): refuse before changing
        // a byte of it. A file that is not SQLite at all is damage (a cache of ours half-written), recreated below.
        // One statement, so one snapshot: another cache creating the schema between two reads would look like a foreign
        // database (tables, and still no version).
        command.CommandText = "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master);";
        long headerVersion, schemaObjects;
        using (var header = command.ExecuteReader())
        {
            header.Read();
            (headerVersion, schemaObjects) = (header.GetInt64(0), header.GetInt64(1));
        }

        if (headerVersion == 0 && schemaObjects > 0)
        {
            throw new DiskCacheException(
                Path.GetDirectoryName(FilePath),
                $"{FileName} there is another program's SQLite database ({schemaObjects} schema objects, no ImageKit index version); the cache will not touch it: choose another folder");
        }

        // Before WAL: switching to WAL writes the first page, after which a new file ignores auto_vacuum. Only for a new
        // file: on an existing one the pragma is a write transaction (it would need another process's write lock to open
        // the cache) that changes nothing.
        command.CommandText = "PRAGMA page_count;";
        if (command.ExecuteScalar() is 0L)
        {
            command.CommandText = IndexSchema.Prepare;
            command.ExecuteNonQuery();
        }

        command.CommandText = "PRAGMA journal_mode = WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new SqliteException($"the index could not switch to WAL (journal mode '{mode}')", 26);
        }

        command.CommandText = "PRAGMA user_version;";
        var version = command.ExecuteScalar() is long v ? v : 0;
        if (version != IndexSchema.Version)
        {
            if (version > IndexSchema.Version)
            {
                // A newer ImageKit's index (another app, or a newer build of this one, sharing the folder): recreating it
                // would throw that app's cache away, and it would then do the same to this one's.
                throw new DiskCacheException(
                    Path.GetDirectoryName(FilePath),
                    $"{FileName} was written by a newer ImageKit (index version {version}; this one reads version {IndexSchema.Version}); the cache will not touch it: choose another folder, or clear it with the newer version");
            }

            if (version != 0)
            {
                // Another version's index (an older format is recreated, not migrated: see IndexSchema) is handled as
                // damage: deleted and recreated empty. A cache may lose entries on a format change, never misread them.
                throw new SqliteException($"the index has schema version {version}, not {IndexSchema.Version}", 26);
            }

            // Several processes may open a new folder at once: the immediate transaction makes one of them create it.
            connection.Begin(Environment.TickCount64 + BusyTimeoutMilliseconds);
            connection.Execute(IndexSchema.Create);
            connection.Commit();
        }

        // Tables, indexes and triggers exactly as this version creates them: damage inside the schema's own text (a
        // column or a trigger body that no longer reads right) would otherwise fail every later statement that uses it.
        if (!IndexSchema.Matches(connection.Connection))
        {
            throw new SqliteException("the index's schema is not the one this ImageKit creates (damaged)", 11);
        }

        // A header whose file format write version SQLite does not know (byte 18 above 2) makes it treat the file as
        // read-only from the first read on, and every store would fail. Asked of SQLite, not read from the file: closing a
        // descriptor of the file in this process would release the POSIX locks SQLite holds on it. A file that was
        // read-only from the moment it was opened is write-protected, not damaged, and is left alone.
        if (TurnedReadOnly(connection))
        {
            throw new SqliteException(ReadOnlyHeader, 11);
        }

        // The totals row, which every change updates through triggers: a NULL there fails every later store.
        command.CommandText = "SELECT count(*) FROM totals WHERE id = 0 AND typeof(entries) = 'integer' AND typeof(bytes) = 'integer';";
        if (command.ExecuteScalar() is not 1L)
        {
            throw new SqliteException("the index's totals row is missing or not numbers (damaged)", 11);
        }

        command.CommandText = IndexSchema.Probe;
        using var reader = command.ExecuteReader();
        do
        {
            while (reader.Read())
            {
            }
        }
        while (reader.NextResult());
    }

    /// <summary>
    /// Runs SQLite's <c>quick_check</c> (reads every page: for the background sweep, never at open) and recreates the
    /// index if it reports damage. Returns whether it did.
    /// </summary>
    public bool CheckAndRebuildIfDamaged()
    {
        var generation = Generation;
        var healthy = Read(connection =>
        {
            using var command = connection.Connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check;";
            return string.Equals(command.ExecuteScalar() as string, "ok", StringComparison.Ordinal);
        });
        if (healthy)
        {
            return false;
        }

        Rebuild(generation);
        return true;
    }

    /// <summary>Retires the connections of <paramref name="generation"/> (another cache recreated the file they have open).</summary>
    internal void Retire(int generation)
    {
        lock (_rebuildLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Generation != generation)
            {
                // Another caller retired it, or rebuilt, and noted the stamp then. Noting it again here would tie a stamp
                // newer than the current connections' file to them: if another cache recreated the index meanwhile, the
                // next damage met in the old file would look like no rebuild, and the new index would be deleted.
                return;
            }

            Interlocked.Increment(ref _generation);
            DrainIdle();

            // The cache recreating the index holds the stamp's lock until the new file is complete: reopening before that
            // would find no file (and create an empty one) or one without its tables.
            using (var stamp = LockRebuildStamp())
            {
                NoteStamp(stamp);
            }
        }
    }

    /// <summary>
    /// Deletes a damaged index file and creates an empty one, once per generation however many callers saw the damage, and
    /// once however many caches (in this process or others) saw it: under an exclusive lock on <see cref="RebuildStampPath"/>,
    /// a cache that finds the stamp changed (another one recreated the index meanwhile) uses the new index. Before
    /// deleting, it rewrites the stamp file, so that other caches' writers notice and reopen instead of committing into the
    /// deleted file.
    /// </summary>
    /// <param name="damagedGeneration">The generation whose connections met the damage.</param>
    /// <param name="useFileAtPath">
    /// Whether to use the file now at the index's path when <see cref="Initialize"/> finds it usable (or creates it, when
    /// there is none), and recreate it only otherwise: when the damage was met by <see cref="Initialize"/>, the check this
    /// method can repeat (a cache opening while another recreates the index may have opened the old file after the stamp
    /// changed, so passing it again means the file was recreated meanwhile), and when the file was deleted or replaced
    /// from outside (what is there now is not what was found damaged). Damage met later (a read, the sweep's full check)
    /// is always acted on.
    /// </param>
    private void Rebuild(int damagedGeneration, bool useFileAtPath = false)
    {
        lock (_rebuildLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Generation != damagedGeneration)
            {
                return; // another caller rebuilt it already
            }

            Interlocked.Increment(ref _generation);
            DrainIdle();
            using var stamp = LockRebuildStamp();
            if (useFileAtPath || IndexWasReplaced() || StampWasRewritten(stamp))
            {
                // Another cache recreated the index since this one last looked: the damage this one met was in the old
                // file. Use the new one (unless it is damaged too).
                try
                {
                    InitializeRetryingRaces();
                    NoteStamp(stamp);
                    return;
                }
                catch (SqliteException e) when (IsDamage(e) || WasReplacedUnderneath(e))
                {
                    Interlocked.Increment(ref _generation); // not usable either: recreate it below
                }
                catch (SqliteException e)
                {
                    // Not damage (too many open files, an I/O error, busy): the file there may be a healthy index another
                    // cache just created, so it is kept, and this operation fails.
                    throw new DiskCacheException(FilePath, $"the cache index cannot be opened: {Describe(e)}", e);
                }
            }

            // Other caches' writers check the stamp once they hold the index's write lock. Holding it here (when the old
            // file still lets anyone take it) while the stamp changes and the files go means that none of them can commit
            // into the old file after checking an old stamp: they wait, then see the new stamp and reopen.
            using (HoldWriteLockIfPossible())
            {
                RewriteStamp(stamp);
                foreach (var suffix in (string[])["", "-wal", "-shm", "-journal"])
                {
                    BlobStore.TryDelete(FilePath + suffix);
                }
            }

            WasRebuilt = true;
            try
            {
                InitializeRetryingRaces();
                NoteStamp(stamp);
            }
            catch (SqliteException e)
            {
                // Thrown from the catch that met the damage (see Run), where no other handler would wrap it.
                throw new DiskCacheException(FilePath, $"the damaged cache index cannot be recreated: {Describe(e)}", e);
            }
        }
    }
}
