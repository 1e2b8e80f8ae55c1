using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

/// <summary>How the index tells SQLite's failures apart: damage, a file replaced underneath, busy or full, out of memory.</summary>
internal sealed partial class IndexDatabase
{
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
    /// The index file was deleted or replaced from outside (by the user or a cleaning tool emptying caches, with or
    /// without its folder): SQLITE_CANTOPEN with no file at its path (connections open only existing files after the
    /// index was opened, so this is what a new connection meets), or a table of the index missing (an empty file there
    /// now: the schema was checked when the index was opened). The file now at the path is then opened as at start (used
    /// if it is a usable index, created if there is none) and recreated only if it is damaged: another cache may just
    /// have created it, and another program's database is refused, not deleted.
    /// </summary>
    private bool WasDeletedUnderneath(SqliteException e) =>
        ((e.SqliteErrorCode & 0xFF) == 14 && !File.Exists(FilePath))
        || (e.SqliteErrorCode == 1 && e.Message.Contains("no such table: ", StringComparison.Ordinal));

    /// <summary>
    /// The longest index path SQLite opens, in bytes of UTF-8, outside Windows: its Unix file layer takes paths of up to
    /// 512 bytes and keeps room for the longest suffix of its side files (<c>-journal</c>); a longer one fails to open with
    /// SQLITE_CANTOPEN and no system error (measured with e_sqlite3 on Linux: 504 bytes open, 505 do not).
    /// </summary>
    internal const int MaxPathBytes = 504;

    /// <summary>
    /// The length in bytes of the index path in <paramref name="directory"/> when it is longer than SQLite opens
    /// (<see cref="MaxPathBytes"/>), to explain an SQLITE_CANTOPEN; <see langword="null"/> otherwise, and on Windows.
    /// </summary>
    internal static int? PathBytesOverLimit(string directory) =>
        !OperatingSystem.IsWindows() && System.Text.Encoding.UTF8.GetByteCount(Path.Combine(directory, FileName)) is var bytes and > MaxPathBytes
            ? bytes
            : null;

    /// <summary>
    /// Records the operating system's error behind an SQLite I/O or open failure (SQLite's message leaves it out) in the
    /// exception's <see cref="Exception.Data"/>, for <see cref="Describe"/>. Returns <see langword="false"/>: called from
    /// an exception filter, while the connection that failed is still open.
    /// </summary>
    internal static bool NoteSystemError(SqliteException e, SqliteConnection connection)
    {
        if ((e.SqliteErrorCode & 0xFF) is 10 or 14 && BundledSqlite.SystemErrno(connection) is var errno and not 0)
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

    /// <summary>SQLite found no room for the transaction (SQLITE_FULL): a full disk, as SQLite needs room in its WAL even to delete.</summary>
    internal static bool IsFull(Exception e) =>
        ((e as SqliteException ?? e.InnerException as SqliteException)?.SqliteErrorCode & 0xFF) == 13;

    /// <summary>A failure of the index as a whole, whatever was written: busy or locked (another process holds the write lock past the busy timeout), full, read-only or an I/O error.</summary>
    internal static bool IsBusyOrFull(Exception e) =>
        (e as SqliteException ?? e.InnerException as SqliteException)?.SqliteErrorCode is { } code && (code & 0xFF) is 5 or 6 or 8 or 10 or 13;
}
