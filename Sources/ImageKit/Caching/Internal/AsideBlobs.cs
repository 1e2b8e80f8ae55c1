namespace ImageKit.Caching.Internal;

/// <summary>
/// The blob files one index write transaction took away from their keys: moved aside into <c>tmp/</c> inside the
/// transaction (<see cref="BlobStore.MoveAside"/>) rather than deleted, so that a transaction that fails to commit leaves
/// its rows with their files (<see cref="PutBack"/>, its undo), and one that commits deletes them afterwards
/// (<see cref="Delete"/>). Used by one transaction on one thread at a time.
/// </summary>
/// <remarks>
/// A crash between the commit and <see cref="Delete"/> leaves the files in <c>tmp/</c>, where a sweep deletes temporary
/// files once they are an hour old (<see cref="BlobStore.MoveAside"/> makes them recent first).
/// </remarks>
internal sealed class AsideBlobs(BlobStore blobs)
{
    private List<(KeyHash Hash, string Path)>? _files; // made for the first file: most writes replace none
    private List<KeyHash>? _taken; // every key whose file was moved aside, kept after PutBack

    /// <summary>The keys whose files this moved aside, also once they are put back: what a failed removal meant to delete.</summary>
    public IReadOnlyList<KeyHash> Taken => _taken ?? [];

    /// <summary>
    /// Moves the blob of a key aside, if it has one. Call inside the transaction. A file that cannot be moved is left where
    /// it is: its row is gone or is an inline one, so it is never read, and the next sweep deletes it.
    /// </summary>
    public void MoveAside(in KeyHash hash)
    {
        try
        {
            if (blobs.MoveAside(hash) is { } path)
            {
                (_files ??= []).Add((hash, path));
                (_taken ??= []).Add(hash);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Puts every file back where it was, unless its key has a file there again (see <see cref="BlobStore.PutBack"/>). Never throws.</summary>
    public void PutBack()
    {
        if (_files is null)
        {
            return;
        }

        foreach (var (hash, path) in _files)
        {
            blobs.PutBack(path, hash);
        }

        _files.Clear();
    }

    /// <summary>Deletes the files, once the transaction that took them away has committed. Never throws.</summary>
    public void Delete()
    {
        if (_files is null)
        {
            return;
        }

        foreach (var (_, path) in _files)
        {
            BlobStore.TryDelete(path);
        }

        _files.Clear();
    }
}
