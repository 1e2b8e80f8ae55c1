namespace ImageKit.Caching.Internal;

/// <summary>
/// The stamp file beside the index (<c>index.lock</c>): its exclusive OS lock serialises recreating the index across
/// caches and processes, a shared lock keeps a rebuild from running while a cache opens the file by its path, and a
/// rebuild rewrites it with a new identifier, so that the other caches notice: by its change time on every write (a
/// <c>stat</c>), and by its contents before they recreate the index themselves, where a change time too coarse (FAT 2 s,
/// HFS+ 1 s, exFAT 10 ms) or cached (FUSE file systems keep attributes for a second) must not let a cache delete the
/// index another one just made.
/// </summary>
internal sealed partial class IndexDatabase
{
    private Guid _stampId;
    private long _movedCheckTicks = Environment.TickCount64;

    /// <summary>The identifier this cache noted in the stamp (tests).</summary>
    internal Guid NotedStampId => _stampId;

    /// <summary>Puts off the readers' next moved-file check by a second, as if one had just run (tests).</summary>
    internal void PostponeMoveCheck() => Volatile.Write(ref _movedCheckTicks, Environment.TickCount64);

    /// <summary>The stamp file's path.</summary>
    internal string RebuildStampPath => FilePath[..^FileName.Length] + "index.lock";

    /// <summary>Whether another cache recreated the index since this one last looked (a stat of the stamp file).</summary>
    private bool IndexWasReplaced() => File.GetLastWriteTimeUtc(RebuildStampPath).Ticks != Volatile.Read(ref _stampTicks);

    /// <summary>Whether a read should ask if the index file was moved: true at most once a second across threads.</summary>
    private bool IsTimeToCheckForMove()
    {
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _movedCheckTicks);
        return now - last >= 1000 && Interlocked.CompareExchange(ref _movedCheckTicks, now, last) == last;
    }

    /// <summary>
    /// Whether the stamp held locked in <paramref name="stamp"/> was rewritten by another cache's rebuild since this one
    /// last looked: its identifier, not its change time. Call under <see cref="_rebuildLock"/>.
    /// </summary>
    private bool StampWasRewritten(FileStream stamp) => ReadStampId(stamp) != _stampId;

    /// <summary>Remembers the stamp as it is now (its change time and identifier): the index this cache uses from here on.</summary>
    private void NoteStamp(FileStream? stamp)
    {
        Volatile.Write(ref _stampTicks, File.GetLastWriteTimeUtc(RebuildStampPath).Ticks);
        if (stamp is not null)
        {
            _stampId = ReadStampId(stamp);
        }
    }

    /// <summary>Writes a new identifier into the stamp (a rebuild), flushed, and remembers it.</summary>
    private void RewriteStamp(FileStream stamp)
    {
        var id = Guid.NewGuid();
        try
        {
            stamp.SetLength(0);
            stamp.Write(id.ToByteArray());
            stamp.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            // A full disk (the first identifier needs a block) or an I/O error. Nothing was deleted yet; a stamp left
            // empty reads as "never rewritten", which costs another cache at most one more look at the damaged file.
            throw new DiskCacheException(Path.GetDirectoryName(FilePath), $"the damaged cache index cannot be recreated: {RebuildStampPath} cannot be written: {e.Message}", e);
        }

        _stampId = id;
    }

    // The identifier a rebuild wrote; Guid.Empty for a stamp never rewritten (created empty) or unreadable.
    private static Guid ReadStampId(FileStream stamp)
    {
        try
        {
            Span<byte> bytes = stackalloc byte[16];
            stamp.Position = 0;
            return stamp.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) == bytes.Length ? new Guid(bytes) : Guid.Empty;
        }
        catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return Guid.Empty;
        }
    }

    private void EnsureRebuildStamp()
    {
        if (!File.Exists(RebuildStampPath))
        {
            try
            {
                using (new FileStream(RebuildStampPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                {
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A read-only folder: nothing will be recreated here either.
            }
        }

        // Under a shared lock, waiting for one another cache holds (its rebuild, or a retirement noting the stamp): an
        // identifier not read would make this cache's next damage look like another cache's rebuild, and it would adopt
        // the damaged file instead of recreating it (the operation failing, not healed). Read without one only when the
        // lock is not had within the busy timeout, or the file cannot be opened at all.
        try
        {
            using var stamp = OpenStampWaiting(FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, "the cache index could not be opened while another cache recreated it");
            NoteStamp(stamp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DiskCacheException)
        {
            NoteStamp(null);
        }
    }

    /// <summary>Takes the exclusive lock on the stamp file (an OS lock, so across processes), waiting at most the busy timeout.</summary>
    private FileStream LockRebuildStamp()
    {
        const string Failure = "the damaged cache index could not be recreated";
        try
        {
            // The whole folder may have been deleted underneath (see WasDeletedUnderneath): the cache starts again in it.
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            return OpenStampWaiting(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, Failure)
                ?? throw new DiskCacheException(Path.GetDirectoryName(FilePath), $"{Failure}: {RebuildStampPath} cannot be created");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DiskCacheException(Path.GetDirectoryName(FilePath), $"the cache index cannot be recreated: {Describe(e)}", e);
        }
    }

    /// <summary>
    /// Takes a shared lock on the stamp file (an OS lock, so across processes) while this cache opens the index, so that
    /// no rebuild deletes and recreates the files meanwhile; waits at most the busy timeout for one that runs. Returns
    /// <see langword="null"/> where there is no stamp yet (a new folder; it is created once the index is known to be
    /// ours, see <see cref="EnsureRebuildStamp"/>) or it cannot be read.
    /// </summary>
    private FileStream? ShareRebuildStamp()
    {
        try
        {
            // Read access with sharing asks for a shared lock (flock LOCK_SH on Unix); a rebuild's FileShare.None is exclusive.
            return OpenStampWaiting(FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, "the cache index could not be opened while another cache recreated it");
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // Opens the stamp file, retrying while another cache holds a lock that conflicts (rare, and short) until the busy
    // timeout has passed; null when it or its folder does not exist.
    private FileStream? OpenStampWaiting(FileMode mode, FileAccess access, FileShare share, string failure)
    {
        var deadline = Environment.TickCount64 + BusyTimeoutMilliseconds;
        while (true)
        {
            try
            {
                return new FileStream(RebuildStampPath, mode, access, share);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(20);
            }
            catch (IOException e)
            {
                throw new DiskCacheException(Path.GetDirectoryName(FilePath), $"{failure}: another cache held {RebuildStampPath} for more than {BusyTimeoutMilliseconds / 1000} s", e);
            }
        }
    }
}
