namespace ImageKit.Cli.Input;

/// <summary>The check every folder option (<c>--cache-dir</c>, <c>--frames-dir</c>) makes up front, worded alike.</summary>
internal static class FolderOption
{
    /// <summary>A folder the command writes into must not be a file: said before anything runs or is printed.</summary>
    /// <exception cref="CliException"><paramref name="path"/> is a file (or a device, FIFO or socket).</exception>
    public static void EnsureFolderOrNothing(string option, string path)
    {
        if (File.Exists(path))
        {
            throw new CliException(option, $"{path} is a file, not a folder");
        }
    }
}
