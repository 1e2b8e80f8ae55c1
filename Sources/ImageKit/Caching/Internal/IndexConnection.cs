using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

/// <summary>
/// One pooled SQLite connection with its prepared statements. Used by one thread at a time (the pool hands it out);
/// statements are kept across uses so a hit costs one bound, already-prepared SELECT.
/// </summary>
internal sealed partial class IndexConnection : IDisposable
{
    private const string RowColumns = "id, size, checksum, stored_at, last_access, content_type, url, etag, last_modified, extended";

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private SqliteTransaction? _transaction;

    public IndexConnection(SqliteConnection connection, int generation)
    {
        Connection = connection;
        Generation = generation;
    }

    public SqliteConnection Connection { get; }

    /// <summary>The index generation this connection was opened on; a rebuilt index retires older connections.</summary>
    public int Generation { get; }

    public void Begin() => _transaction = Connection.BeginTransaction(deferred: false);

    public void Commit()
    {
        _transaction?.Commit();
        EndTransaction();
    }

    public void EndTransaction()
    {
        _transaction?.Dispose();
        _transaction = null;
    }

    public IndexRow? Find(byte[] hash)
    {
        var command = Command($"SELECT {RowColumns} FROM entries WHERE key_hash = $h");
        Bind(command, "$h", hash);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadRow(reader) : null;
    }

    public bool Exists(byte[] hash)
    {
        var command = Command("SELECT 1 FROM entries WHERE key_hash = $h");
        Bind(command, "$h", hash);
        return command.ExecuteScalar() is not null;
    }

    public void Upsert(byte[] hash, long size, long checksum, long now, DiskCacheMetadata metadata)
    {
        var command = Command(
            "INSERT INTO entries (key_hash, size, checksum, stored_at, last_access, content_type, url, etag, last_modified, extended) " +
            "VALUES ($h, $size, $sum, $now, $now, $ct, $url, $etag, $lm, $ext) " +
            "ON CONFLICT (key_hash) DO UPDATE SET size = excluded.size, checksum = excluded.checksum, stored_at = excluded.stored_at, " +
            "last_access = excluded.last_access, content_type = excluded.content_type, url = excluded.url, etag = excluded.etag, " +
            "last_modified = excluded.last_modified, extended = excluded.extended");
        Bind(command, "$h", hash);
        Bind(command, "$size", size);
        Bind(command, "$sum", checksum);
        Bind(command, "$now", now);
        BindMetadata(command, metadata);
        command.ExecuteNonQuery();
    }

    public bool UpdateMetadata(byte[] hash, long now, DiskCacheMetadata metadata)
    {
        var command = Command(
            "UPDATE entries SET stored_at = $now, last_access = MAX(last_access, $now), content_type = $ct, url = $url, etag = $etag, " +
            "last_modified = $lm, extended = $ext WHERE key_hash = $h");
        Bind(command, "$h", hash);
        Bind(command, "$now", now);
        BindMetadata(command, metadata);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>Deletes a row; returns its size, or null when there was none.</summary>
    public long? Delete(byte[] hash)
    {
        var command = Command("DELETE FROM entries WHERE key_hash = $h RETURNING size");
        Bind(command, "$h", hash);
        return command.ExecuteScalar() is long size ? size : null;
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

    public void DeleteById(long id)
    {
        var command = Command("DELETE FROM entries WHERE id = $id");
        Bind(command, "$id", id);
        command.ExecuteNonQuery();
    }

    public long DeleteAll()
    {
        var count = Command("SELECT entries FROM totals WHERE id = 0").ExecuteScalar() is long n ? n : 0;
        Command("DELETE FROM entries").ExecuteNonQuery();
        Command("UPDATE totals SET entries = 0, bytes = 0 WHERE id = 0").ExecuteNonQuery();
        return count;
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
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    /// <summary>Up to <paramref name="limit"/> rows with the smallest value of a time column, optionally only those before a time.</summary>
    public List<(long Id, byte[] Hash, long Size)> Oldest(string timeColumn, long beforeTicks, int limit)
    {
        var command = Command($"SELECT id, key_hash, size FROM entries WHERE {timeColumn} < $before ORDER BY {timeColumn} LIMIT $limit");
        Bind(command, "$before", beforeTicks);
        Bind(command, "$limit", limit);
        return ReadIdHashSize(command);
    }

    /// <summary>A page of rows in id order, for the background sweep.</summary>
    public List<(long Id, byte[] Hash, long Size)> Page(long afterId, int limit)
    {
        var command = Command("SELECT id, key_hash, size FROM entries WHERE id > $after ORDER BY id LIMIT $limit");
        Bind(command, "$after", afterId);
        Bind(command, "$limit", limit);
        return ReadIdHashSize(command);
    }

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
