using Microsoft.Data.Sqlite;

namespace ImageKit.Tests.Caching;

/// <summary>Raw access to a cache folder's index database, to look at and damage inline bytes behind the cache's back.</summary>
internal static class InlineIndex
{
    public static long BlobRows(string folder) => Scalar(folder, "SELECT COUNT(*) FROM blobs");

    public static long Scalar(string folder, string sql)
    {
        using var connection = Open(folder);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static void Execute(string folder, string sql, bool create = false)
    {
        using var connection = Open(folder, create);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Opens a read transaction and keeps it open until disposed: while a reader holds its snapshot, SQLite cannot
    /// complete a checkpoint, so the WAL only grows.
    /// </summary>
    public static IDisposable HoldReadSnapshot(string folder)
    {
        var connection = Open(folder);
        try
        {
            var transaction = connection.BeginTransaction(deferred: true);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT COUNT(*) FROM entries";
            command.ExecuteScalar();
            return new Snapshot(connection, transaction);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static void FlipFirstByte(string folder, long id)
    {
        using var connection = Open(folder);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM blobs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        var data = (byte[])command.ExecuteScalar()!;
        data[0] ^= 1;
        command.CommandText = "UPDATE blobs SET data = $data WHERE id = $id";
        command.Parameters.AddWithValue("$data", data);
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Open(string folder, bool create = false)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, "index.sqlite"),
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    private sealed class Snapshot(SqliteConnection connection, SqliteTransaction transaction) : IDisposable
    {
        public void Dispose()
        {
            transaction.Dispose();
            connection.Dispose();
        }
    }
}
