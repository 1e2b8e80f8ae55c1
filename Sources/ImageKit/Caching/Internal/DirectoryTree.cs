namespace ImageKit.Caching.Internal;

/// <summary>
/// Deletes folder trees that another thread or process may be deleting at the same moment: a clear deletes the trash
/// folder it just made while a sweep (of this instance or another one on the folder) deletes every trash folder it finds.
/// </summary>
/// <remarks>
/// <see cref="Directory.Delete(string, bool)"/> is not safe for that: when a subfolder vanishes under it, it throws
/// <see cref="DirectoryNotFoundException"/> and leaves the top folder in place, so with two deleters often neither
/// removes it. Here an entry that is already gone counts as deleted. Nothing may add entries to the tree meanwhile.
/// </remarks>
internal static class DirectoryTree
{
    /// <summary>Deletes the tree; true when it is gone (also when it was never there), false when something stays.</summary>
    /// <param name="path">The folder to delete.</param>
    /// <param name="beforeEntry">For tests: called before each entry is deleted, to act as a concurrent deleter.</param>
    public static bool TryDelete(string path, Action<string>? beforeEntry = null)
    {
        try
        {
            Delete(new DirectoryInfo(path), beforeEntry);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // left for the next sweep
        }
    }

    private static void Delete(DirectoryInfo folder, Action<string>? beforeEntry)
    {
        FileSystemInfo[] entries;
        try
        {
            entries = folder.GetFileSystemInfos();
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        foreach (var entry in entries)
        {
            beforeEntry?.Invoke(entry.FullName);
            try
            {
                if (entry is DirectoryInfo directory && entry.LinkTarget is null)
                {
                    Delete(directory, beforeEntry);
                }
                else if (entry is DirectoryInfo && OperatingSystem.IsWindows())
                {
                    Directory.Delete(entry.FullName); // a folder link: remove the link, never what it points to
                }
                else
                {
                    File.Delete(entry.FullName); // a file or, on Unix, any link; a missing file is not an error
                }
            }
            catch (DirectoryNotFoundException)
            {
                // Another deleter removed it, or the folder holding it, first.
            }
        }

        try
        {
            folder.Delete();
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
