using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

internal sealed partial class IndexDatabase
{
    /// <summary>The size the WAL file is cut back to after it has grown past it.</summary>
    internal const long MaxWalBytes = 4L * 1024 * 1024;

    private IndexConnection Open(int generation)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // A shared transaction of small entries can hold megabytes of bytes; without a limit the WAL file would stay
            // at the size of the largest one for ever. With it, SQLite cuts the file back once the WAL restarts.
            command.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = {MaxWalBytes};";
            command.ExecuteNonQuery();
            return new IndexConnection(connection, generation);
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
        using var connection = Open(Generation);
        using var command = connection.Connection.CreateCommand();

        // Someone else's SQLite database under this name (tables, and no schema version of ours): refuse before changing
        // a byte of it. A file that is not SQLite at all is damage (a cache of ours half-written), recreated below.
        command.CommandText = "PRAGMA user_version;";
        if (command.ExecuteScalar() is 0L)
        {
            command.CommandText = "SELECT count(*) FROM sqlite_master;";
            if (command.ExecuteScalar() is long objects and > 0)
            {
                throw new DiskCacheException(
                    Path.GetDirectoryName(FilePath),
                    $"{FileName} there is another program's SQLite database ({objects} schema objects, no ImageKit index version); the cache will not touch it: choose another folder");
            }
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
            connection.Begin();
            connection.Execute(IndexSchema.Create);
            connection.Commit();
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

    /// <summary>Deletes a damaged index file and creates an empty one, once per generation however many callers saw the damage.</summary>
    private void Rebuild(int damagedGeneration)
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
            foreach (var suffix in (string[])["", "-wal", "-shm", "-journal"])
            {
                BlobStore.TryDelete(FilePath + suffix);
            }

            WasRebuilt = true;
            try
            {
                Initialize();
            }
            catch (SqliteException e)
            {
                // Thrown from the catch that met the damage (see Run), where no other handler would wrap it.
                throw new DiskCacheException(FilePath, $"the damaged cache index cannot be recreated: {e.Message}", e);
            }
        }
    }
}
