namespace ImageKit.Internal;

/// <summary>
/// Why a local file could not be opened or read, in the words <see cref="Loading.FileImageLoader"/> and the CLI use. The
/// file is opened without asking first whether it exists: <see cref="File.Exists(string)"/> and
/// <see cref="FileInfo.Exists"/> say <see langword="false"/> for any failure (a folder without search permission, a name
/// too long, a loop of links), which would all read as "file not found"; the exception of the open says which it was.
/// </summary>
internal static class FileReadFailure
{
    /// <summary>The reason for a file, or a folder on its path, that does not exist.</summary>
    public const string NotFound = "file not found";

    /// <summary>The reason for <paramref name="error"/>, or <see langword="null"/> when it is not a failure to open or read a file.</summary>
    public static string? Describe(Exception error) => error switch
    {
        FileNotFoundException or DirectoryNotFoundException => NotFound,
        PathTooLongException => "the file name is too long",
        UnauthorizedAccessException => "permission denied",
        IOException => $"cannot read the file: {error.Message}",
        _ => null,
    };

    /// <summary>Whether <paramref name="error"/> says that the file, or a folder on its path, does not exist.</summary>
    public static bool IsNotFound(Exception? error) => error is FileNotFoundException or DirectoryNotFoundException;
}
