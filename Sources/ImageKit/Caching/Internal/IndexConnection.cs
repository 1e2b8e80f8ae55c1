using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ImageKit.Caching.Internal;

/// <summary>
/// One pooled SQLite connection with its prepared statements. Used by one thread at a time (the pool hands it out);
/// statements are kept across uses so a hit costs one bound, already-prepared SELECT.
/// </summary>
internal sealed partial class IndexConnection : IDisposable
{
    private const string RowColumns =
        "e.id, e.size, e.checksum, e.stored_at, e.last_access, e.content_type, e.url, e.etag, e.last_modified, e.extended, e.inline";

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private bool _inTransaction;

    /// <param name="connection">The open connection.</param>
    /// <param name="generation">The index generation it was opened on.</param>
    /// <param name="writeProtectedAtOpen">See <see cref="WriteProtectedAtOpen"/>.</param>
    public IndexConnection(SqliteConnection connection, int generation, bool writeProtectedAtOpen)
    {
        Connection = connection;
        Generation = generation;
        WriteProtectedAtOpen = writeProtectedAtOpen;
    }

    public SqliteConnection Connection { get; }

    /// <summary>The index generation this connection was opened on; a rebuilt index retires older connections.</summary>
    public int Generation { get; }

    /// <summary>
    /// Whether SQLite could open the file for reading only (the file or its folder is write-protected): asked right after
    /// opening, before any statement (even a pragma) has read the file's header.
    /// </summary>
    public bool WriteProtectedAtOpen { get; }

    /// <summary>
    /// Whether SQLite treats the connection's main database as read-only now (<c>sqlite3_db_readonly</c>). Besides a
    /// write-protected file, it turns read-only when the first read finds a file format write version it does not know
    /// in the header (byte 18 above 2).
    /// </summary>
    public static bool IsReadOnlyNow(SqliteConnection connection) => raw.sqlite3_db_readonly(connection.Handle, "main") == 1;

    /// <summary>A row without its bytes; for an inline row, the length of its stored bytes (SQLite reads it from the record header).</summary>
    public IndexRow? Find(byte[] hash)
    {
        var command = Command(
            $"SELECT {RowColumns}, CASE WHEN e.inline THEN IFNULL((SELECT length(data) FROM blobs WHERE id = e.id), -1) ELSE -1 END, " +
            $"{TableKeyHash} FROM entries e WHERE e.key_hash = $h");
        Bind(command, "$h", hash);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        VerifyKey(reader, 12, hash);
        return ReadRow(reader, reader.GetInt64(11));
    }

    /// <summary>A row and, for an inline row, its bytes (null when missing), from one statement and so one snapshot.</summary>
    public (IndexRow Row, byte[]? Data)? FindWithData(byte[] hash)
    {
        var command = Command($"SELECT {RowColumns}, b.data, {TableKeyHash} FROM entries e LEFT JOIN blobs b ON e.inline AND b.id = e.id WHERE e.key_hash = $h");
        Bind(command, "$h", hash);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        VerifyKey(reader, 12, hash);
        var data = reader.IsDBNull(11) ? null : BlobAt(reader, 11);
        return (ReadRow(reader, data?.LongLength ?? -1), data);
    }

    /// <summary>Whether a row keeps its bytes in the blob file of this hash (an inline row's file would be stale).</summary>
    public bool HasFileRow(byte[] hash)
    {
        var command = Command("SELECT 1 FROM entries WHERE key_hash = $h AND inline = 0");
        Bind(command, "$h", hash);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>
    /// Inserts or replaces a row, keeping its id. With <paramref name="inlineData"/> the bytes go into <c>blobs</c>;
    /// without, any inline bytes of the replaced row are deleted. Call inside a write transaction.
    /// </summary>
    /// <returns>
    /// The row it replaced, or <see langword="null"/> when there was none: whether it kept its bytes in a file (which an
    /// inline write must then delete), and its checksum and stored time, which tell whether it is still the key's row.
    /// </returns>
    public (bool InFile, long Checksum, long StoredTicks)? Upsert(byte[] hash, long size, long checksum, long now, DiskCacheMetadata metadata, byte[]? inlineData = null)
    {
        var find = Command("SELECT inline, checksum, stored_at FROM entries WHERE key_hash = $h");
        Bind(find, "$h", hash);
        (bool InFile, long Checksum, long StoredTicks)? replaced = null;
        long? previous = null;
        using (var reader = find.ExecuteReader())
        {
            if (reader.Read())
            {
                previous = reader.GetInt64(0);
                replaced = (previous == 0, reader.GetInt64(1), reader.GetInt64(2));
            }
        }

        var command = Command(
            "INSERT INTO entries (key_hash, size, checksum, stored_at, last_access, content_type, url, etag, last_modified, extended, inline) " +
            "VALUES ($h, $size, $sum, $now, $now, $ct, $url, $etag, $lm, $ext, $inline) " +
            "ON CONFLICT (key_hash) DO UPDATE SET size = excluded.size, checksum = excluded.checksum, stored_at = excluded.stored_at, " +
            "last_access = excluded.last_access, content_type = excluded.content_type, url = excluded.url, etag = excluded.etag, " +
            "last_modified = excluded.last_modified, extended = excluded.extended, inline = excluded.inline RETURNING id");
        Bind(command, "$h", hash);
        Bind(command, "$size", size);
        Bind(command, "$sum", checksum);
        Bind(command, "$now", now);
        Bind(command, "$inline", inlineData is null ? 0L : 1L);
        BindMetadata(command, metadata);
        var id = (long)command.ExecuteScalar()!;

        if (inlineData is not null)
        {
            var store = Command("INSERT OR REPLACE INTO blobs (id, data) VALUES ($id, $data)");
            Bind(store, "$id", id);
            Bind(store, "$data", inlineData);
            try
            {
                store.ExecuteNonQuery();
            }
            finally
            {
                Bind(store, "$data", null); // a pooled command must not keep the caller's bytes alive
            }
        }
        else if (previous == 1)
        {
            var drop = Command("DELETE FROM blobs WHERE id = $id");
            Bind(drop, "$id", id);
            drop.ExecuteNonQuery();
        }

        return replaced;
    }

    /// <summary>
    /// Replaces a row's metadata and refreshes its stored time; with <paramref name="bytes"/>, only if the row still holds
    /// bytes of that length and checksum. Returns whether a row was updated.
    /// </summary>
    public bool UpdateMetadata(byte[] hash, long now, DiskCacheMetadata metadata, (long Size, long Checksum)? bytes = null)
    {
        var command = Command(
            "UPDATE entries SET stored_at = $now, last_access = MAX(last_access, $now), content_type = $ct, url = $url, etag = $etag, " +
            "last_modified = $lm, extended = $ext WHERE key_hash = $h AND ($size IS NULL OR (size = $size AND checksum = $sum))");
        Bind(command, "$h", hash);
        Bind(command, "$now", now);
        Bind(command, "$size", bytes?.Size);
        Bind(command, "$sum", bytes?.Checksum);
        BindMetadata(command, metadata);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>Deletes a row (and its inline bytes); returns whether it kept its bytes in a file, or null when there was no row.</summary>
    public bool? Delete(byte[] hash)
    {
        var command = Command("DELETE FROM entries WHERE key_hash = $h RETURNING inline");
        Bind(command, "$h", hash);
        return command.ExecuteScalar() is long inline ? inline == 0 : null;
    }

    /// <summary>Deletes a row only if nobody replaced it since it was read (same checksum and stored time).</summary>
    public bool DeleteIfUnchanged(byte[] hash, long checksum, long storedTicks)
    {
        var command = Command("DELETE FROM entries WHERE key_hash = $h AND checksum = $sum AND stored_at = $stored");
        Bind(command, "$h", hash);
        Bind(command, "$sum", checksum);
        Bind(command, "$stored", storedTicks);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>
    /// Deletes an expired row only if nobody replaced it since it was read (same checksum and stored time) and its time
    /// (<paramref name="byLastAccess"/>: its last access, else its stored time) is still before <paramref name="cutoffTicks"/>:
    /// an access written since it was read (by this cache's batch of access times or another cache's) keeps it.
    /// </summary>
    public bool DeleteIfUnchangedAndExpired(byte[] hash, long checksum, long storedTicks, bool byLastAccess, long cutoffTicks)
    {
        var command = Command(byLastAccess
            ? "DELETE FROM entries WHERE key_hash = $h AND checksum = $sum AND stored_at = $stored AND last_access < $cutoff"
            : "DELETE FROM entries WHERE key_hash = $h AND checksum = $sum AND stored_at = $stored AND stored_at < $cutoff");
        Bind(command, "$h", hash);
        Bind(command, "$sum", checksum);
        Bind(command, "$stored", storedTicks);
        Bind(command, "$cutoff", cutoffTicks);
        return command.ExecuteNonQuery() > 0;
    }

    public void DeleteById(long id)
    {
        var command = Command("DELETE FROM entries WHERE id = $id");
        Bind(command, "$id", id);
        command.ExecuteNonQuery();
    }

    public long DeleteAll()
    {
        var count = Command("SELECT entries FROM totals WHERE id = 0").ExecuteScalar() is long n ? n : 0;
        // Bytes first: an unconditional DELETE on a table without triggers empties it page by page, not row by row, and
        // leaves the entries trigger nothing to find.
        Command("DELETE FROM blobs").ExecuteNonQuery();
        Command("DELETE FROM entries").ExecuteNonQuery();
        Command("UPDATE totals SET entries = 0, bytes = 0 WHERE id = 0").ExecuteNonQuery();
        return count;
    }

    /// <summary>Whether any entry's stored or access time is later than <paramref name="latestTicks"/> (two index lookups).</summary>
    public bool HasTimesAfter(long latestTicks)
    {
        var command = Command("SELECT EXISTS (SELECT 1 FROM entries WHERE last_access > $latest) OR EXISTS (SELECT 1 FROM entries WHERE stored_at > $latest)");
        Bind(command, "$latest", latestTicks);
        return command.ExecuteScalar() is long found && found != 0;
    }

    /// <summary>Sets stored and access times later than <paramref name="latestTicks"/> to <paramref name="nowTicks"/>; returns the rows changed.</summary>
    public int BringBackTimesAfter(long latestTicks, long nowTicks)
    {
        var command = Command(
            "UPDATE entries SET last_access = MIN(last_access, $now), stored_at = MIN(stored_at, $now) " +
            "WHERE id IN (SELECT id FROM entries WHERE last_access > $latest UNION SELECT id FROM entries WHERE stored_at > $latest)");
        Bind(command, "$latest", latestTicks);
        Bind(command, "$now", nowTicks);
        return command.ExecuteNonQuery();
    }

    /// <summary>Records an access no earlier than the one already stored (batched flushes may arrive out of order).</summary>
    public void Touch(byte[] hash, long ticks)
    {
        var command = Command("UPDATE entries SET last_access = $t WHERE key_hash = $h AND last_access < $t");
        Bind(command, "$h", hash);
        Bind(command, "$t", ticks);
        command.ExecuteNonQuery();
    }

    public (long Entries, long Bytes) Totals()
    {
        using var reader = Command("SELECT entries, bytes FROM totals WHERE id = 0").ExecuteReader();
        if (!reader.Read())
        {
            return (0, 0);
        }

        return reader.IsDBNull(0) || reader.IsDBNull(1)
            ? throw Unreadable(new InvalidOperationException("the totals row holds NULL"))
            : (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Up to <paramref name="limit"/> rows with the smallest value of a time column, optionally only those before a time.</summary>
    public List<IndexEntryRef> Oldest(string timeColumn, long beforeTicks, int limit)
    {
        var command = Command($"SELECT id, key_hash, size, inline FROM entries WHERE {timeColumn} < $before ORDER BY {timeColumn} LIMIT $limit");
        Bind(command, "$before", beforeTicks);
        Bind(command, "$limit", limit);
        var rows = new List<IndexEntryRef>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(ReadEntryRef(reader));
        }

        return rows;
    }

    /// <summary>
    /// A page of rows in id order, for the background sweep, each with the length of its inline bytes (−1 for file rows
    /// and for inline rows whose bytes are missing).
    /// </summary>
    public List<(IndexEntryRef Entry, long InlineLength)> Page(long afterId, int limit)
    {
        var command = Command(
            "SELECT e.id, e.key_hash, e.size, e.inline, CASE WHEN e.inline THEN IFNULL(length(b.data), -1) ELSE -1 END " +
            "FROM entries e LEFT JOIN blobs b ON e.inline AND b.id = e.id WHERE e.id > $after ORDER BY e.id LIMIT $limit");
        Bind(command, "$after", afterId);
        Bind(command, "$limit", limit);
        var rows = new List<(IndexEntryRef, long)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add((ReadEntryRef(reader), reader.GetInt64(4)));
        }

        return rows;
    }

    /// <summary>
    /// Returns up to <see cref="VacuumBatchPages"/> of the pages that removals freed to the file system (the index uses
    /// <c>auto_vacuum = INCREMENTAL</c>; the file itself shrinks at the next checkpoint). Returns how many stay free.
    /// </summary>
    /// <remarks>
    /// Each released page means moving the file's last page into a free slot and fixing its parent pointers, so after an
    /// LRU trim (old entries at the front, live ones behind them) this costs more than the deletes did. A batch bounds
    /// how long one call holds the write lock.
    /// </remarks>
    public long ReleaseFreePages()
    {
        Command("PRAGMA incremental_vacuum(1024)").ExecuteNonQuery(); // VacuumBatchPages
        return Command("PRAGMA freelist_count").ExecuteScalar() is long free ? free : 0;
    }

    /// <summary>Pages released per <see cref="ReleaseFreePages"/> call: 4 MiB with the default page size.</summary>
    public const int VacuumBatchPages = 1024;

    /// <summary>Recomputes the running totals from the rows (a full scan: only the background sweep does this).</summary>
    public void RecountTotals() =>
        Command("UPDATE totals SET entries = (SELECT COUNT(*) FROM entries), bytes = (SELECT IFNULL(SUM(size), 0) FROM entries) WHERE id = 0")
            .ExecuteNonQuery();

    public long? GetSetting(string name)
    {
        var command = Command("SELECT value FROM settings WHERE name = $n");
        Bind(command, "$n", name);
        return command.ExecuteScalar() is long value ? value : null;
    }

    public void SetSetting(string name, long value)
    {
        var command = Command("INSERT INTO settings (name, value) VALUES ($n, $v) ON CONFLICT (name) DO UPDATE SET value = excluded.value");
        Bind(command, "$n", name);
        Bind(command, "$v", value);
        command.ExecuteNonQuery();
    }

    public void Execute(string sql) => Command(sql).ExecuteNonQuery();

    /// <summary>
    /// Runs <c>PRAGMA wal_checkpoint(<paramref name="mode"/>)</c> and returns its row: whether it was kept from finishing
    /// (a reader, a writer or another checkpoint in the way), the frames in the WAL, and how many of them are now copied.
    /// </summary>
    public (bool Busy, long LogFrames, long CheckpointedFrames) Checkpoint(string mode)
    {
        using var reader = Command($"PRAGMA wal_checkpoint({mode})").ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2)) : (true, 0, 0);
    }

    public void Dispose()
    {
        EndTransaction();
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        Connection.Dispose();
    }
}
