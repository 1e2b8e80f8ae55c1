namespace ImageKit.Cli.Input;

/// <summary>The check every folder option (<c>--cache-dir</c>, <c>--frames-dir</c>) makes up front, worded alike.</summary>
internal static class FolderOption
{
    /// <summary>
    /// A folder the command writes into must be a folder or nothing yet: said before anything runs or is printed. A
    /// symbolic link is followed; one that leads nowhere (its target missing, or a loop) is said to be one, where it
    /// once passed for "a file".
    /// </summary>
    /// <exception cref="CliException">
    /// <paramref name="path"/> is a file (or a device, FIFO or socket), or a symbolic link that does not lead to a folder.
    /// </exception>
    public static void EnsureFolderOrNothing(string option, string path)
    {
        var entry = new FileInfo(path);
        if (entry.LinkTarget is { } target)
        {
            EnsureLinkLeadsToAFolder(option, entry, target);
            return;
        }

        if (File.Exists(path))
        {
            throw new CliException(option, $"{path} is a file, not a folder");
        }
    }

    private static void EnsureLinkLeadsToAFolder(string option, FileInfo link, string target)
    {
        FileSystemInfo? final;
        try
        {
            final = link.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException e)
        {
            // A loop, or a chain longer than the system follows (ELOOP).
            throw new CliException(option, $"{link.FullName} is a symbolic link that cannot be followed: {WithoutPath(e.Message, link.FullName)}");
        }

        if (Directory.Exists(link.FullName))
        {
            return;
        }

        throw new CliException(
            option,
            final is null || !final.Exists
                ? $"{link.FullName} is a symbolic link to {target}, which does not exist"
                : $"{link.FullName} is a symbolic link to {target}, a file, not a folder");
    }

    // .NET's message names the path again ("Too many levels of symbolic links in '…'."), which the line already has.
    private static string WithoutPath(string message, string path) =>
        message.Replace($" in '{path}'", string.Empty, StringComparison.Ordinal)
            .Replace($" : '{path}'", string.Empty, StringComparison.Ordinal)
            .TrimEnd('.');
}
