using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

internal sealed partial class IndexConnection
{
#pragma warning disable CA2100 // Every command text is a constant of this type; values are always bound parameters.
    private SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        // A cached command keeps the timeout it was created with; IndexDatabase shortens the connection's DefaultTimeout
        // for one call at a time, so each use takes the current one.
        command.CommandTimeout = Connection.DefaultTimeout;
        return command;
    }
#pragma warning restore CA2100

    private static void Bind(SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index >= 0)
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
        else
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    private static void BindMetadata(SqliteCommand command, DiskCacheMetadata metadata)
    {
        Bind(command, "$ct", metadata.ContentType);
        Bind(command, "$url", metadata.OriginalUrl?.OriginalString);
        Bind(command, "$etag", metadata.ETag);
        Bind(command, "$lm", metadata.LastModified?.UtcTicks);
        Bind(command, "$ext", metadata.ExtendedData);
    }

    private static IndexRow ReadRow(SqliteDataReader reader, long inlineLength)
    {
        try
        {
            var metadata = new DiskCacheMetadata
            {
                ContentType = reader.IsDBNull(5) ? null : reader.GetString(5),
                OriginalUrl = reader.IsDBNull(6) ? null : new Uri(reader.GetString(6), UriKind.RelativeOrAbsolute),
                ETag = reader.IsDBNull(7) ? null : reader.GetString(7),
                LastModified = reader.IsDBNull(8) ? null : IndexRow.ToTime(reader.GetInt64(8)),
                ExtendedData = reader.IsDBNull(9) ? null : BlobAt(reader, 9),
            };
            var row = new IndexRow(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), metadata, reader.GetInt64(10) != 0, inlineLength);
            _ = IndexRow.ToTime(row.StoredTicks);
            _ = IndexRow.ToTime(row.LastAccessTicks);
            return row;
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            throw Unreadable(e);
        }
    }

    private static IndexEntryRef ReadEntryRef(SqliteDataReader reader)
    {
        try
        {
            return new(reader.GetInt64(0), BlobAt(reader, 1), reader.GetInt64(2), reader.GetInt64(3) != 0);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            throw Unreadable(e);
        }
    }

    // The key hash as the table row holds it, read by row id in the same statement (one snapshot). A lookup by key goes
    // through the key's index, and SQLite trusts the index: a damaged index entry pointing at another entry's row would
    // hand out that row, whose bytes then pass its own checksum.
    private const string TableKeyHash = "(SELECT t.key_hash FROM entries t WHERE t.id = e.id)";

    private static void VerifyKey(SqliteDataReader reader, int ordinal, byte[] hash)
    {
        if (reader.IsDBNull(ordinal) || reader.GetValue(ordinal) is not byte[] stored || !stored.AsSpan().SequenceEqual(hash))
        {
            throw Unreadable(new InvalidOperationException("the key's index points at another entry's row"));
        }
    }

    private static byte[] BlobAt(SqliteDataReader reader, int ordinal) =>
        reader.GetValue(ordinal) as byte[] ?? throw Unreadable(new InvalidCastException($"column {ordinal} holds no bytes"));

    // What a row that SQLite reads fine but ImageKit never wrote throws on the way to .NET values: a value of another type
    // (a BLOB column holding text), NULL in a column declared NOT NULL, a time out of range, a URL that is not one.
    private static bool IsUnreadable(Exception e) =>
        e is InvalidCastException or FormatException or ArgumentException or OverflowException or InvalidOperationException;

    // Damage (SQLITE_CORRUPT), so that it is handled as any other damage: the index is recreated, never thrown.
    private static SqliteException Unreadable(Exception e) => new($"a row of the cache index cannot be read: {e.Message}", 11);
}
