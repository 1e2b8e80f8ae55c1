using System.IO.Hashing;

namespace ImageKit.Caching.Internal;

/// <summary>
/// The blob files: <c>blobs/ab/abcdef…</c> named by key hash, written to <c>tmp/</c> first and renamed into place.
/// Every method is thread-safe; the index lock (a SQLite write transaction) is what orders a rename with its row.
/// </summary>
internal sealed partial class BlobStore(string root)
{

    public string BlobsDirectory { get; } = Path.Combine(root, "blobs");

    public string TempDirectory { get; } = Path.Combine(root, "tmp");

    public string PathOf(in KeyHash hash) => Path.Combine(BlobsDirectory, hash.Hex[..2], hash.Hex);

    public static long Checksum(ReadOnlySpan<byte> data) => unchecked((long)XxHash3.HashToUInt64(data));

    /// <summary>Writes the bytes to a new temporary file, flushed to the device when asked; returns its path.</summary>
    public async Task<string> WriteTempAsync(ReadOnlyMemory<byte> data, bool flush, CancellationToken cancellationToken)
    {
        var path = Path.Combine(TempDirectory, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var stream = OpenNew(path);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                if (flush)
                {
                    stream.Flush(flushToDisk: true);
                }
            }

            return path;
        }
        catch
        {
            TryDelete(path);
            throw;
        }
    }

    /// <summary>Renames a temporary file over the blob of a key. Call inside the index write transaction.</summary>
    public void MoveIntoPlace(string tempPath, in KeyHash hash)
    {
        var final = PathOf(hash);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        try
        {
            File.Move(tempPath, final, overwrite: true);
        }
        catch (IOException) when (System.IO.Directory.Exists(final))
        {
            // A folder where the key's file belongs, made by another hand: no row owns it, and it refused every store of
            // the key for good.
            DirectoryTree.TryDelete(final);
            File.Move(tempPath, final, overwrite: true);
        }
    }

    /// <summary>
    /// Moves the blob of a key out of the way, into <c>tmp/</c> under a name of its own, instead of deleting or overwriting
    /// it inside an index write transaction: a transaction that then fails puts it back (<see cref="PutBack"/>), one that
    /// commits deletes it afterwards. Call inside the transaction. Returns its new path, or <see langword="null"/> when
    /// the key has no blob.
    /// </summary>
    public string? MoveAside(in KeyHash hash)
    {
        var path = PathOf(hash);
        try
        {
            // Made recent first: a sweep deletes temporary files more than an hour old, and the blob may be older.
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another user's file in a shared folder: its time cannot be set, but it can be renamed (the folder is ours).
        }

        // Named as a temporary file: what a crash leaves there is swept as one, and a folder whose index was lost still
        // holds only files the cache knows (DiskImageCache.IsCacheOwnEntry).
        var aside = Path.Combine(TempDirectory, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.Move(path, aside);
        }
        catch (DirectoryNotFoundException) when (File.Exists(path))
        {
            // Someone deleted tmp/: recreate it and try once more.
            System.IO.Directory.CreateDirectory(TempDirectory);
            File.Move(path, aside);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        return aside;
    }

    /// <summary>
    /// Puts a blob <see cref="MoveAside"/> moved back in its place after the transaction failed, unless the key has a
    /// blob there again; then, or if it cannot, deletes it. Never throws.
    /// </summary>
    public void PutBack(string aside, in KeyHash hash)
    {
        try
        {
            File.Move(aside, PathOf(hash), overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(aside);
        }
    }

    /// <summary>
    /// Moves the blob a failed transaction renamed into place (<see cref="MoveIntoPlace"/>) back to its temporary path, so
    /// that the key's old blob can be put back. Never throws.
    /// </summary>
    public void TakeBack(in KeyHash hash, string tempPath)
    {
        try
        {
            File.Move(PathOf(hash), tempPath, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing to take back, or it cannot be moved: the key's old blob, if any, stays aside (PutBack deletes it).
        }
    }

    /// <summary>Reads a blob and checks its length and checksum; null when missing, unreadable, torn or different.</summary>
    public async Task<byte[]?> ReadVerifiedAsync(KeyHash hash, long size, long checksum, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(PathOf(hash), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
            await using (stream.ConfigureAwait(false))
            {
                if (stream.Length != size || size > Array.MaxLength)
                {
                    return null;
                }

                var data = GC.AllocateUninitializedArray<byte>((int)size);
                await stream.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
                return Checksum(data) == checksum ? data : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the blob exists with the given length and checksum (read whole, synchronously); <see langword="null"/> when
    /// it cannot tell: the file is there but cannot be read now (the process is out of file descriptors, an I/O error),
    /// which is no reason to remove the entry.
    /// </summary>
    public bool? IsIntact(in KeyHash hash, long size, long checksum)
    {
        try
        {
            using var handle = File.OpenHandle(PathOf(hash), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (RandomAccess.GetLength(handle) != size || size > Array.MaxLength)
            {
                return false;
            }

            var data = GC.AllocateUninitializedArray<byte>((int)size);
            for (var read = 0; read < data.Length;)
            {
                var count = RandomAccess.Read(handle, data.AsSpan(read), read);
                if (count == 0)
                {
                    return false;
                }

                read += count;
            }

            return Checksum(data) == checksum;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && System.IO.Directory.Exists(PathOf(hash)))
        {
            return false; // a folder where the file belongs: not the entry's bytes, whatever its permissions
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the blob exists with the given length (one stat, no read); <see langword="null"/> when it cannot tell: the
    /// file or its folder cannot be looked at now (permissions, an I/O error), which is no reason to remove the entry.
    /// </summary>
    public bool? HasLength(in KeyHash hash, long size)
    {
        try
        {
            return new FileInfo(PathOf(hash)).Length == size; // FileInfo.Exists would say false for any failure
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Delete(in KeyHash hash) => TryDelete(PathOf(hash));

    public void EnsureDirectories()
    {
        System.IO.Directory.CreateDirectory(BlobsDirectory);
        System.IO.Directory.CreateDirectory(TempDirectory);
    }

    /// <summary>
    /// Swaps the blob folder for an empty one (call inside the index write transaction) and returns the old folder's new
    /// name, to delete once the transaction commits or to give to <see cref="Reattach"/> if it fails; null when there was
    /// no blob folder. On a platform that cannot rename a folder in use, the files are moved into the new name one by one
    /// (one that cannot be moved stays: its row is gone, so the next sweep deletes it). Once files were moved, it does not
    /// throw: the caller must learn where they went.
    /// </summary>
    /// <param name="afterMove">For tests: called once the blob folder is moved away, before the new one is made.</param>
    public string? DetachAll(Action? afterMove = null)
    {
        var trash = Path.Combine(Path.GetDirectoryName(BlobsDirectory)!, $"{TrashPrefix}{DateTime.UtcNow.Ticks:x16}-{Guid.NewGuid():N}");
        try
        {
            System.IO.Directory.Move(BlobsDirectory, trash);
        }
        catch (DirectoryNotFoundException)
        {
            System.IO.Directory.CreateDirectory(BlobsDirectory);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            MoveFiles(BlobsDirectory, trash, overwrite: true); // never throws
            return trash;
        }

        afterMove?.Invoke();
        try
        {
            System.IO.Directory.CreateDirectory(BlobsDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No room for a new folder (a full disk), say. The next file stored makes it (MoveIntoPlace), and Reattach
            // puts the old one back in its place.
        }

        return trash;
    }

    /// <summary>
    /// Puts back a blob folder <see cref="DetachAll"/> swapped away, after its transaction failed: swapped back whole
    /// while the new folder is still empty (or was not made); otherwise its files are moved back one by one, each only
    /// where its key has no file (one written since is newer). What cannot be moved back is deleted with the rest of the
    /// folder. Never throws.
    /// </summary>
    public void Reattach(string trash)
    {
        try
        {
            try
            {
                System.IO.Directory.Delete(BlobsDirectory); // only when empty
            }
            catch (DirectoryNotFoundException)
            {
            }

            System.IO.Directory.Move(trash, BlobsDirectory);
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        MoveFiles(trash, BlobsDirectory, overwrite: false);
        TryDeleteDirectory(trash);
    }

    /// <summary>Moves the files of a blob folder's fan-out folders to the same places under another; what fails stays. Never throws.</summary>
    private static void MoveFiles(string from, string to, bool overwrite)
    {
        try
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                try
                {
                    var target = Path.Combine(to, Path.GetRelativePath(from, file));
                    System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Move(file, target, overwrite);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Deletes a folder tree, also while another clear or sweep deletes it; what cannot be deleted is left for the next sweep.</summary>
    public static void TryDeleteDirectory(string path) => DirectoryTree.TryDelete(path);

    /// <summary>
    /// Deletes a file that is there; returns whether one was (a sweep's count of what it removed must not include what a
    /// clear or a removal in another cache took away between its look and its delete).
    /// </summary>
    public static bool TryDeleteExisting(string path) => File.Exists(path) && TryDelete(path);

    /// <summary>Deletes the blob of <paramref name="hash"/> if there is one; returns whether there was.</summary>
    public bool TryDeleteExisting(in KeyHash hash) => TryDeleteExisting(PathOf(hash));

    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private FileStream OpenNew(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        };
        try
        {
            return new FileStream(path, options);
        }
        catch (DirectoryNotFoundException)
        {
            // Another cache on the folder cleared it, or someone deleted tmp/: recreate and try once more.
            System.IO.Directory.CreateDirectory(TempDirectory);
            return new FileStream(path, options);
        }
    }
}
