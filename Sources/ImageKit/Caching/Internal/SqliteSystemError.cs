using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace ImageKit.Caching.Internal;

/// <summary>
/// The operating system's error (errno) behind a connection's last failed I/O: SQLite keeps it
/// (<c>sqlite3_system_errno</c>) but leaves it out of its message, and SQLitePCLRaw does not bind it, so it is called
/// here, in the bundled <c>e_sqlite3</c> library, and only when that is the library SQLitePCLRaw uses (a handle from
/// another SQLite build must not reach it).
/// </summary>
internal static partial class SqliteSystemError
{
    private const string BundledLibrary = "e_sqlite3";

    private static bool s_available = string.Equals(SQLitePCL.raw.GetNativeLibraryName(), BundledLibrary, StringComparison.Ordinal);

    /// <summary>The errno of <paramref name="connection"/>'s last failed I/O, or 0 when there is none or it cannot be asked.</summary>
    public static int Of(SqliteConnection connection)
    {
        if (!Volatile.Read(ref s_available) || connection.Handle is not { IsInvalid: false } handle)
        {
            return 0;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return sqlite3_system_errno(handle.DangerousGetHandle());
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
    private static partial int sqlite3_system_errno(IntPtr db);
}
