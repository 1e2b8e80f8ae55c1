using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

/// <summary>
/// Two questions SQLite answers that SQLitePCLRaw does not bind: the operating system's error behind a connection's last
/// failed I/O (<c>sqlite3_system_errno</c>; SQLite leaves it out of its message), and whether the file a connection has
/// open is still the one at its path (<c>SQLITE_FCNTL_HAS_MOVED</c>). Called here, in the bundled <c>e_sqlite3</c>
/// library, and only when that is the library SQLitePCLRaw uses (a handle from another SQLite build must not reach it);
/// where it cannot be called, the answers are "none" and "not moved".
/// </summary>
internal static partial class BundledSqlite
{
    private const string BundledLibrary = "e_sqlite3";

    /// <summary><c>SQLITE_FCNTL_HAS_MOVED</c>: whether the database file was renamed, moved or deleted since it was opened.</summary>
    private const int HasMovedControl = 20;

    private static bool s_available = string.Equals(SQLitePCL.raw.GetNativeLibraryName(), BundledLibrary, StringComparison.Ordinal);

    /// <summary>The errno of <paramref name="connection"/>'s last failed I/O, or 0 when there is none or it cannot be asked.</summary>
    public static int SystemErrno(SqliteConnection connection) => Call(connection, static db => sqlite3_system_errno(db));

    /// <summary>
    /// Whether the file <paramref name="connection"/> has open is no longer at its path (deleted, or replaced by another
    /// file): what is written through it then is lost. <see langword="false"/> when it cannot be asked.
    /// </summary>
    public static bool FileHasMoved(SqliteConnection connection) => Call(connection, static db =>
    {
        var moved = 0;
        return sqlite3_file_control(db, "main", HasMovedControl, ref moved) == 0 ? moved : 0;
    }) != 0;

    private static int Call(SqliteConnection connection, Func<IntPtr, int> call)
    {
        if (!Volatile.Read(ref s_available) || connection.Handle is not { IsInvalid: false } handle)
        {
            return 0;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return call(handle.DangerousGetHandle());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_available, false);
            return 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport(BundledLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial int sqlite3_system_errno(IntPtr db);

    [LibraryImport(BundledLibrary, StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial int sqlite3_file_control(IntPtr db, string databaseName, int operation, ref int argument);
}
