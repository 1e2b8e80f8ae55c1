namespace ImageKit.Cli.Output;

/// <summary>
/// Files written into a folder under temporary names and put in place together by <see cref="Commit"/>, so that a run
/// that fails halfway (a damaged or cut-off input, a full disk, Ctrl-C) leaves the folder as it was: disposed without a
/// commit, it deletes what it wrote, and the folder too when it made it and nothing else is in it.
/// </summary>
internal sealed class StagedFrames(DirectoryInfo directory) : IDisposable
{
    private readonly List<(string Temporary, string Final)> _files = [];
    private bool _madeFolder;
    private bool _folderReady;
    private bool _committed;

    /// <summary>The folder the files are for.</summary>
    public DirectoryInfo Directory { get; } = directory;

    /// <summary>Creates the file that becomes <paramref name="name"/> in the folder once committed.</summary>
    public FileStream Create(string name)
    {
        if (!_folderReady)
        {
            _madeFolder = !Directory.Exists;
            Directory.Create();
            _folderReady = true;
        }

        var final = Path.Combine(Directory.FullName, name);
        var temporary = $"{final}.{Guid.NewGuid():N}.tmp";
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
        _files.Add((temporary, final));
        return stream;
    }

    /// <summary>Puts every file in place, replacing files of the same names.</summary>
    /// <exception cref="CliException">A file cannot be put in place.</exception>
    public void Commit()
    {
        try
        {
            for (var i = 0; i < _files.Count; i++)
            {
                File.Move(_files[i].Temporary, _files[i].Final, overwrite: true);
                _files[i] = (_files[i].Final, _files[i].Final); // in place: not deleted on dispose
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(Directory.FullName, $"cannot write frames: {(e is UnauthorizedAccessException ? "permission denied" : e.Message)}", e);
        }

        _committed = true;
    }

    /// <summary>Without a commit, deletes the files written and the folder it made (if empty). Never throws.</summary>
    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        foreach (var (temporary, final) in _files)
        {
            if (temporary != final)
            {
                TryDelete(() => File.Delete(temporary));
            }
        }

        if (_madeFolder)
        {
            // Deleted only when empty (Directory.Delete refuses otherwise): anything else in it is not this run's.
            TryDelete(() => System.IO.Directory.Delete(Directory.FullName, recursive: false));
        }
    }

    private static void TryDelete(Action delete)
    {
        try
        {
            delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind; nothing the user asked for depends on it.
        }
    }
}
