namespace ImageKit.Internal;

/// <summary>
/// Creates a folder (and the folders on the way to it) and, when that fails, says why in the SDK's words rather than
/// .NET's, which say "Could not find a part of the path" of a path whose start exists: a file in the way where a folder
/// should be.
/// </summary>
internal static class FolderCreation
{
    /// <summary>Creates <paramref name="path"/> and every folder missing on the way to it.</summary>
    /// <exception cref="IOException">It cannot be created: "cannot create the folder …: why".</exception>
    /// <exception cref="UnauthorizedAccessException">Permissions refuse it (as <see cref="Directory.CreateDirectory(string)"/> throws).</exception>
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

    private static string WhyNot(string path, IOException e) => FileInTheWay(path) ?? e.Message.TrimEnd('.');
}
