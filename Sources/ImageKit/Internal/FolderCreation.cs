using System.Runtime.InteropServices;

namespace ImageKit.Internal;

/// <summary>
/// Creates a folder (and the folders on the way to it) and, when that fails, says why in the SDK's words rather than
/// .NET's, which name a folder as a "file" ("Could not find file '/proc/x'") or a "part of the path" that exists: a file
/// in the way where a folder should be, or a folder that refuses new folders (as those of /proc do, with ENOENT).
/// </summary>
internal static class FolderCreation
{
    private const int NoSuchFileOrDirectory = 2; // ENOENT

    /// <summary>Creates <paramref name="path"/> and every folder missing on the way to it.</summary>
    /// <exception cref="IOException">It cannot be created: "cannot create the folder …: why".</exception>
    /// <exception cref="UnauthorizedAccessException">Permissions refuse it: "cannot create the folder …: permission denied (why)".</exception>
    public static void Create(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (IOException e)
        {
            throw new IOException($"cannot create the folder {path}: {WhyNot(path, e)}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            // .NET's "Access to the path '…' is denied." does not say that the folder was to be made; on Unix the inner
            // exception carries the system's reason (EACCES, EPERM).
            var system = e.InnerException is IOException inner ? $" ({inner.Message.TrimEnd('.')})" : string.Empty;
            throw new UnauthorizedAccessException($"cannot create the folder {path}: permission denied{system}", e);
        }
    }

    /// <summary>
    /// The folder or file nearest to <paramref name="path"/> on its way that exists (the path itself if it does), or
    /// <see langword="null"/> when none does.
    /// </summary>
    public static string? NearestExisting(string path)
    {
        var level = Path.GetFullPath(path);
        while (!string.IsNullOrEmpty(level) && !Path.Exists(level))
        {
            level = Path.GetDirectoryName(level);
        }

        return string.IsNullOrEmpty(level) ? null : level;
    }

    /// <summary>
    /// A file where <paramref name="path"/> or a folder on its way should be a folder: "… is a file, not a folder", or
    /// <see langword="null"/> when there is none.
    /// </summary>
    public static string? FileInTheWay(string path) =>
        NearestExisting(path) is { } existing && File.Exists(existing) ? $"{existing} is a file, not a folder" : null;

    /// <summary>
    /// What to say when creating the file <paramref name="file"/> failed with ENOENT in a folder that exists (as under
    /// /proc), instead of .NET's "Could not find file", which names the file being created as if it were missing:
    /// "… refuses new files (…)"; <see langword="null"/> for any other failure.
    /// </summary>
    public static string? NewFileRefused(string file, IOException e) =>
        e is FileNotFoundException or DirectoryNotFoundException && Path.GetDirectoryName(file) is { } folder && Directory.Exists(folder)
            ? $"{folder} refuses new files ({Marshal.GetPInvokeErrorMessage(NoSuchFileOrDirectory)})"
            : null;

    private static string WhyNot(string path, IOException e)
    {
        if (FileInTheWay(path) is { } file)
        {
            return file;
        }

        // On Unix an IOException for an errno .NET has no type for carries the errno as its HResult; the not-found types
        // carry .NET's own HResult, and in a folder that exists mean ENOENT from mkdir: the folder refuses new ones.
        var system = e is FileNotFoundException or DirectoryNotFoundException ? Marshal.GetPInvokeErrorMessage(NoSuchFileOrDirectory)
            : !OperatingSystem.IsWindows() && e.HResult is > 0 and < 4096 ? Marshal.GetPInvokeErrorMessage(e.HResult)
            : e.Message.TrimEnd('.');
        return NearestExisting(path) is { } existing && Directory.Exists(existing) && existing != Path.GetFullPath(path)
            ? $"{existing} refuses new folders ({system})"
            : system;
    }
}
