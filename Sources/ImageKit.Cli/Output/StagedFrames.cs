using System.Globalization;

namespace ImageKit.Cli.Output;

/// <summary>
/// Files written into a folder under temporary names and put in place together by <see cref="Commit"/>, so that a run
/// that fails halfway (a damaged or cut-off input, a full disk, Ctrl-C) leaves the folder as it was: disposed without a
/// commit, it deletes what it wrote, and every folder it made (the folder itself, the folders made to reach it, and
/// subfolders of it that a name holds) that nothing else is in. Committed, each folder written into holds this run's frames
/// only: frame files of an earlier, longer animation there are removed (files named otherwise are the user's and kept).
/// </summary>
internal sealed class StagedFrames(DirectoryInfo directory) : IDisposable
{
    private readonly List<(string Temporary, string Final)> _files = [];
    private readonly List<string> _madeFolders = []; // outermost first
    private readonly HashSet<string> _readyFolders = new(StringComparer.Ordinal);
    private bool _committed;

    /// <summary>The folder the files are for.</summary>
    public DirectoryInfo Directory { get; } = directory;

    /// <summary>Whether a file is kept although it is named as an earlier run's frame (the image being read itself).</summary>
    public Func<string, bool>? Keep { get; init; }

    /// <summary>The name of frame <paramref name="index"/>'s file: <c>frame-0000.png</c>, <c>frame-0001.png</c>, …</summary>
    public static string FrameFileName(int index) => string.Create(CultureInfo.InvariantCulture, $"frame-{index:D4}.png");

    /// <summary>Whether <paramref name="name"/> is exactly a name <see cref="FrameFileName"/> gives (<c>frame-12.png</c> is not).</summary>
    public static bool IsFrameFileName(string name) => TryParseFrameFileName(name, out _);

    /// <summary>The frame index of <paramref name="name"/>, when it is exactly a name <see cref="FrameFileName"/> gives.</summary>
    public static bool TryParseFrameFileName(string name, out int index)
    {
        index = -1;
        return name.StartsWith("frame-", StringComparison.Ordinal)
            && name.EndsWith(".png", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(6, Math.Max(0, name.Length - 10)), NumberStyles.None, CultureInfo.InvariantCulture, out index)
            && name == FrameFileName(index);
    }

    /// <summary>Creates the file that becomes <paramref name="name"/> (which may name a subfolder: <c>gif/frame-0000.png</c>) in the folder once committed.</summary>
    public FileStream Create(string name)
    {
        var final = Path.Combine(Directory.FullName, name);
        EnsureFolder(Path.GetDirectoryName(final) ?? Directory.FullName);
        var temporary = $"{final}.{Guid.NewGuid():N}.tmp";
        FileStream stream;
        try
        {
            stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
        }
        catch (IOException e) when (ImageKit.Internal.FolderCreation.NewFileRefused(temporary, e) is { } refused)
        {
            throw new IOException(refused, e); // not .NET's "Could not find file" of a temporary name the user never gave
        }

        _files.Add((temporary, final));
        return stream;
    }

    /// <summary>
    /// Puts every file in place, replacing files of the same names, then removes the frame files (named as
    /// <see cref="FrameFileName"/> names them) that this run did not write from the folders it wrote into.
    /// </summary>
    /// <exception cref="CliException">A file cannot be put in place, or an earlier frame cannot be removed.</exception>
    public void Commit()
    {
        // A folder where a file goes would stop the moves half-way, with the first files already replacing the user's:
        // found before any is moved, so a failed commit leaves the folder as it was, too.
        foreach (var (_, final) in _files)
        {
            if (System.IO.Directory.Exists(final))
            {
                throw new CliException(Directory.FullName, $"cannot write frames: {final} is a folder");
            }
        }

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
        RemoveEarlierFrames();
    }

    // An earlier run of a longer animation left frames past this one's last: the folder would show a mix of two
    // animations. Removed only after every new frame is in place, so a run that fails leaves the old frames as they were,
    // and only files named exactly as frames are named: anything else (notes.txt, frame-12.png, a folder) is the user's.
    private void RemoveEarlierFrames()
    {
        var written = new HashSet<string>(_files.Select(f => f.Final), StringComparer.Ordinal);
        foreach (var folder in written.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            string? current = null;
            try
            {
                foreach (var file in System.IO.Directory.EnumerateFiles(folder, "frame-*.png"))
                {
                    current = file;
                    if (!written.Contains(file) && IsFrameFileName(Path.GetFileName(file)) && Keep?.Invoke(file) != true)
                    {
                        File.Delete(file);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var reason = e is UnauthorizedAccessException ? "permission denied" : e.Message;
                throw new CliException(Directory.FullName, $"wrote the new frames but cannot remove the earlier frame {current ?? folder}: {reason}", e);
            }
        }
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

        // Innermost first, each deleted only when empty (Directory.Delete refuses otherwise): anything else in it is not
        // this run's. A folder that could not be made after all is not there to delete.
        for (var i = _madeFolders.Count - 1; i >= 0; i--)
        {
            var folder = _madeFolders[i];
            TryDelete(() => System.IO.Directory.Delete(folder, recursive: false));
        }
    }

    // Makes the folder and any folder missing on the way to it, remembering each one it is about to make (before making
    // it, so that one made by a creation that then fails further down is remembered too).
    private void EnsureFolder(string folder)
    {
        if (_readyFolders.Contains(folder))
        {
            return;
        }

        var missing = new Stack<string>();
        for (var level = folder; !string.IsNullOrEmpty(level) && !Path.Exists(level); level = Path.GetDirectoryName(level))
        {
            missing.Push(level);
        }

        _madeFolders.AddRange(missing);
        ImageKit.Internal.FolderCreation.Create(folder);
        _readyFolders.Add(folder);
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
