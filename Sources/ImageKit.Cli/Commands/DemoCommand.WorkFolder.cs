namespace ImageKit.Cli.Commands;

/// <summary>
/// The demo's own work folder: created under the temporary folder when the user did not give <c>--cache-dir</c> and
/// <c>--contact-sheet</c>, kept after a successful run (its last line names it), removed after an interrupted or failed
/// one. Folders the user gave are never removed.
/// </summary>
internal static partial class DemoCommand
{
    // Under the system's temporary folder ($TMPDIR), which may be missing or read-only.
    private static string CreateWorkFolder()
    {
        try
        {
            return Directory.CreateTempSubdirectory("imagekit-demo-").FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(
                Path.GetTempPath(),
                $"cannot create the demo's work folder in the temporary folder ({e.Message.TrimEnd('.')}); set TMPDIR to a writable folder, or give --cache-dir and --contact-sheet",
                e);
        }
    }

    /// <summary>
    /// Cleans up after a run that ended with <paramref name="failure"/> and returns the exception to report. By then
    /// <see cref="RunAsync"/> has disposed everything that writes into the work folder (managers with the disk cache and
    /// its SQLite index, the player, the server: its <c>await using</c>s run before its exception leaves it).
    /// </summary>
    private static Exception AfterFailure(Exception failure, Lazy<string> work, CancellationToken cancellationToken)
    {
        // A half-filled cache and no contact sheet are no use to anyone: neither after Ctrl-C nor after an error, and the
        // user never asked for this folder. Whoever wants a failed run's files gives --cache-dir and --contact-sheet.
        var removed = work.IsValueCreated && RemoveWorkFolder(work.Value);

        if (cancellationToken.IsCancellationRequested)
        {
            // What broke on the way out of an interrupted run (a contact sheet with no frame shown yet) is not the news;
            // the interruption is, and it is reported as every command's is.
            return failure as OperationCanceledException ?? new OperationCanceledException("The demo was interrupted.", failure, cancellationToken);
        }

        var source = failure switch
        {
            CliException e => e.SourceName,
            ImageKitException e => e.SourceName,
            _ => null,
        };
        if (removed && source is not null && IsInside(source, work.Value))
        {
            // The error line names a file that no longer exists: say so, rather than send the user looking for it.
            return new CliException(source, $"{failure.Message.TrimEnd('.')} (the demo's work folder {work.Value} was removed; give --cache-dir and --contact-sheet to keep a failed run's files)", failure);
        }

        return failure;
    }

    private static bool IsInside(string path, string folder) =>
        Path.IsPathFullyQualified(path)
        && Path.GetFullPath(path).StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Removes the work folder and everything in it; <see langword="true"/> when it is gone.</summary>
    private static bool RemoveWorkFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the failure being reported matters more than a folder in the temporary folder, whose path the
            // demo has already printed.
            return false;
        }
    }
}
