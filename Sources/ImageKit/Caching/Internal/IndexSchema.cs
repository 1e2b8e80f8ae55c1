using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

/// <summary>
/// The index's tables. Running totals live in one row kept by triggers, inside the same transaction as every change,
/// so they are right across processes and reading them costs one row, never a scan. Small entries keep their bytes in
/// <c>blobs</c>, a table of its own so that the time-ordered scans of trim and sweep read narrow <c>entries</c> rows
/// only; deleting an entry deletes its bytes in the same statement (trigger), whichever statement deleted it.
/// </summary>
/// <remarks>
/// Version 2 added <c>entries.inline</c> and <c>blobs</c>. A version-1 index is not migrated: it is deleted and
/// recreated empty (its blob files then have no rows and the opening sweep deletes them). The format was never released,
/// and a migration could not turn on <c>auto_vacuum</c> without a full <c>VACUUM</c>.
/// Any change to <see cref="Create"/> beyond whitespace must raise <see cref="Version"/>: an index whose schema objects
/// differ from what <see cref="Create"/> makes is treated as damaged and recreated empty (<see cref="Matches"/>).
/// </remarks>
internal static class IndexSchema
{
    public const long Version = 2;

    /// <summary>Must run before the first table exists and before WAL is turned on: afterwards SQLite ignores it (short of a full VACUUM).</summary>
    public const string Prepare = "PRAGMA auto_vacuum = INCREMENTAL;";

    public const string Create = """
        CREATE TABLE IF NOT EXISTS entries (
            id INTEGER PRIMARY KEY,
            key_hash BLOB NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            checksum INTEGER NOT NULL,
            stored_at INTEGER NOT NULL,
            last_access INTEGER NOT NULL,
            content_type TEXT,
            url TEXT,
            etag TEXT,
            last_modified INTEGER,
            extended BLOB,
            inline INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX IF NOT EXISTS entries_last_access ON entries (last_access);
        CREATE INDEX IF NOT EXISTS entries_stored_at ON entries (stored_at);
        CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 0), entries INTEGER NOT NULL, bytes INTEGER NOT NULL);
        INSERT OR IGNORE INTO totals (id, entries, bytes) VALUES (0, 0, 0);
        CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TRIGGER IF NOT EXISTS entries_inserted AFTER INSERT ON entries BEGIN
            UPDATE totals SET entries = entries + 1, bytes = bytes + NEW.size WHERE id = 0; END;
        CREATE TRIGGER IF NOT EXISTS entries_deleted AFTER DELETE ON entries BEGIN
            UPDATE totals SET entries = entries - 1, bytes = bytes - OLD.size WHERE id = 0;
            DELETE FROM blobs WHERE id = OLD.id; END;
        CREATE TRIGGER IF NOT EXISTS entries_resized AFTER UPDATE OF size ON entries BEGIN
            UPDATE totals SET bytes = bytes - OLD.size + NEW.size WHERE id = 0; END;
        PRAGMA user_version = 2;
        """;

    private static readonly Lazy<string[]> s_expectedObjects = new(static () =>
    {
        using var memory = new SqliteConnection("Data Source=:memory:");
        memory.Open();
        using var create = memory.CreateCommand();
        create.CommandText = Create;
        create.ExecuteNonQuery();
        return SchemaObjects(memory);
    });

    /// <summary>
    /// Whether the database's schema objects (type, name, table and SQL text, whitespace aside) are exactly those
    /// <see cref="Create"/> makes: the same script run on an empty in-memory database is the reference.
    /// </summary>
    public static bool Matches(SqliteConnection connection) => SchemaObjects(connection).SequenceEqual(s_expectedObjects.Value, StringComparer.Ordinal);

    private static string[] SchemaObjects(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name;";
        using var reader = command.ExecuteReader();
        var objects = new List<string>();
        while (reader.Read())
        {
            var sql = string.Concat(Text(reader, 3).Where(static c => !char.IsWhiteSpace(c)));
            objects.Add($"{Text(reader, 0)}|{Text(reader, 1)}|{Text(reader, 2)}|{sql}");
        }

        return [.. objects];
    }

    // Any value as text (a damaged schema row may hold NULL or another type where text belongs).
    private static string Text(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? "" : Convert.ToString(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture) ?? "";

    /// <summary>
    /// Touches the header, the schema, the totals row and both ends of each index: cheap (a few pages), and enough to
    /// catch a file that is not a database, a truncated schema or a missing table, without reading the whole table.
    /// </summary>
    public const string Probe = """
        SELECT entries, bytes FROM totals WHERE id = 0;
        SELECT MAX(id) FROM entries;
        SELECT id FROM entries ORDER BY last_access LIMIT 1;
        SELECT id FROM entries ORDER BY last_access DESC LIMIT 1;
        SELECT id FROM entries ORDER BY stored_at LIMIT 1;
        SELECT id FROM entries ORDER BY stored_at DESC LIMIT 1;
        SELECT MAX(id) FROM blobs;
        """;
}
