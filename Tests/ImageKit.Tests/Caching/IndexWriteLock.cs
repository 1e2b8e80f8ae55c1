using Microsoft.Data.Sqlite;

namespace ImageKit.Tests.Caching;

/// <summary>Holds a cache folder's index write lock from a separate SQLite connection, as another process would.</summary>
internal static class IndexWriteLock
{
    /// <summary>A raw connection in an immediate transaction: the index's write lock, as another process holds it during a long write.</summary>
    public static Held Hold(string folder)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, "index.sqlite"),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        var transaction = connection.BeginTransaction(deferred: false);
        return new Held(connection, transaction);
    }

    public sealed class Held(SqliteConnection connection, SqliteTransaction transaction) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            transaction.Dispose();
            connection.Dispose();
        }
    }
}
