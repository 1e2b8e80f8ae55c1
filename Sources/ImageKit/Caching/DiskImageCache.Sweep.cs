using ImageKit.Caching.Internal;

namespace ImageKit.Caching;

public sealed partial class DiskImageCache
{
    private const int SweepBatch = 512;

    /// <summary>
    /// Repairs what crashes and outside hands leave behind: checks the whole index (SQLite <c>quick_check</c>) and
    /// recreates it empty if it is damaged; deletes blob files that have no index row (and stray files
    /// in the blob folder), temporary files and folders left by an interrupted clear once they are more than an hour old; removes rows
    /// whose file (or inline bytes) is missing or has the wrong length; recounts the running totals; and shrinks the index
    /// file by its free pages. A file or folder it cannot look at now (permissions, an I/O error) is left as it is, with its
    /// row, for a later sweep. Scans the folder and the table,
    /// so it runs in the background after open (when the index is new or rebuilt, or the last sweep is a day old) and is
    /// rarely worth calling directly. Safe while other instances and processes use the folder.
    /// </summary>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <exception cref="ObjectDisposedException">The cache is disposed, also while the sweep runs (it stops between batches).</exception>
    /// <exception cref="DiskCacheException">The index is damaged and cannot be recreated, or cannot be used.</exception>
    public async Task<DiskCacheSweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        using var operation = EnterOperation();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        try
        {
            return await Task.Run(() => SweepCore(s_tempFileGrace, stop.Token), stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(GetType().FullName);
        }
    }

    private DiskCacheSweepResult SweepCore(TimeSpan tempFileGrace, CancellationToken cancellationToken)
    {
        // Damage in pages the cheap probe at open did not touch shows here; a rebuilt index then orphans every blob,
        // which the steps below delete.
        _index.CheckAndRebuildIfDamaged();
        var orphans = SweepOrphanBlobs(cancellationToken) + SweepTemporaryFiles(tempFileGrace);
        var broken = SweepBrokenRows(cancellationToken);
        BringBackFutureTimes();
        var now = NowTicks;
        _index.Write(c =>
        {
            c.RecountTotals();
            c.SetSetting(Settings.LastSweep, now);
            return 0;
        });
        ReleaseFreePages(cancellationToken);
        return new DiskCacheSweepResult(orphans, broken);
    }

    private int SweepOrphanBlobs(CancellationToken cancellationToken)
    {
        var removed = 0;
        var candidates = new List<KeyHash>(SweepBatch);
        foreach (var path in EnumerateOrNothing(_blobs.BlobsDirectory))
        {
            var fanOut = Path.GetFileName(path);
            if (!System.IO.Directory.Exists(path))
            {
                // Nothing belongs at the top level. (Or the folder went: a clear swapped the blob folder away since the
                // listing; then there is nothing to delete and nothing to count.)
                removed += BlobStore.TryDeleteExisting(path) ? 1 : 0;
                continue;
            }

            foreach (var file in EnumerateOrNothing(path))
            {
                if (System.IO.Directory.Exists(file))
                {
                    // Nothing of the cache's is a folder here, also under a blob's name (no row can own a folder).
                    BlobStore.TryDeleteDirectory(file);
                    removed++;
                }
                else if (KeyHash.TryParseHex(Path.GetFileName(file), out var hash) && hash.Hex.StartsWith(fanOut, StringComparison.Ordinal))
                {
                    candidates.Add(hash);
                    if (candidates.Count == SweepBatch)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        removed += RemoveOrphans(candidates);
                        candidates.Clear();
                    }
                }
                else
                {
                    removed += BlobStore.TryDeleteExisting(file) ? 1 : 0;
                }
            }
        }

        return removed + RemoveOrphans(candidates);
    }

    /// <summary>
    /// The entries of a folder, or none if it vanished (a concurrent clear swaps the blob folder away) or cannot be listed
    /// now (its permissions, an I/O error): its files are then left for a later sweep, never taken for orphans.
    /// </summary>
    private static string[] EnumerateOrNothing(string path)
    {
        try
        {
            return System.IO.Directory.GetFileSystemEntries(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>
    /// Deletes the blob files of hashes without a file row (none, or an inline one: such a file is stale); the check is
    /// repeated under the write lock, where no writer can be between rename and row.
    /// </summary>
    private int RemoveOrphans(List<KeyHash> candidates)
    {
        var orphans = _index.Read(c => candidates.Where(h => !c.HasFileRow(h.Bytes)).ToList());
        if (orphans.Count == 0)
        {
            return 0;
        }

        return _index.Write(c =>
        {
            var removed = 0;
            foreach (var hash in orphans)
            {
                // Counted only if the file was still there: a removal or a clear in another cache may have taken it with
                // its row since the folder was listed (no file comes back without a row while this lock is held).
                if (!c.HasFileRow(hash.Bytes) && _blobs.TryDeleteExisting(hash))
                {
                    removed++;
                }
            }

            return removed;
        });
    }

    private int SweepTemporaryFiles(TimeSpan grace)
    {
        var removed = 0;
        var wallNow = DateTime.UtcNow; // file times are wall-clock times, whatever clock the options use
        // Either folder may be gone (removed by hand while the cache is open): nothing to sweep there then.
        foreach (var file in EnumerateOrNothing(_blobs.TempDirectory))
        {
            // One look at the file: another cache's temporary file renamed into place between two looks (File.Exists,
            // then File.GetLastWriteTimeUtc, which answers 1601 for a missing file) was counted as a stale one deleted.
            // Stale either way, as trash folders are: one left by a crash while the clock ran ahead would otherwise stay
            // until that future came.
            if (new FileInfo(file) is { Exists: true } info
                && (info.LastWriteTimeUtc < wallNow - grace || info.LastWriteTimeUtc > wallNow + grace)
                && BlobStore.TryDeleteExisting(file))
            {
                removed++;
            }
        }

        // A clear moves the blob folder to a trash folder inside its transaction and puts it back if that fails, so a trash
        // folder may be deleted only once no clear can still need it. Listed under the index's write lock, which every
        // cache and process on the folder takes for its writes, so none of theirs is under way; and only those made longer
        // ago than the grace (by the time in their names): when SQLite rolls a clear back by itself, it lets go of the write
        // lock before the clear's undo takes it again to put the folder back. Deleted after the lock is let go: that may
        // take long.
        var trashFolders = _index.Write(_ => EnumerateOrNothing(Directory)
            .Where(d => Path.GetFileName(d).StartsWith(BlobStore.TrashPrefix, StringComparison.Ordinal) && !IsRecentTrash(d, wallNow, grace))
            .ToList());
        foreach (var trash in trashFolders)
        {
            if (System.IO.Directory.Exists(trash))
            {
                BlobStore.TryDeleteDirectory(trash);
            }
        }

        return removed;
    }

    /// <summary>
    /// Whether a trash folder was made within <paramref name="grace"/> of <paramref name="now"/> (either way: a clock set
    /// back must not keep one for ever); one without a time in its name is an earlier version's, and old.
    /// </summary>
    private static bool IsRecentTrash(string path, DateTime now, TimeSpan grace) =>
        BlobStore.TrashFolderMadeAt(path) is { } made && made >= now - grace && made <= now + grace;

    private int SweepBrokenRows(CancellationToken cancellationToken)
    {
        var removed = 0;
        long lastId = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = _index.Read(c => c.Page(lastId, SweepBatch));
            if (page.Count == 0)
            {
                return removed;
            }

            lastId = page[^1].Entry.Id;
            var broken = page
                .Where(r => r.Entry.Inline ? r.InlineLength != r.Entry.Size : _blobs.HasLength(KeyHash.FromBytes(r.Entry.Hash), r.Entry.Size) == false)
                .Select(r => r.Entry.Hash)
                .ToList();
            if (broken.Count > 0)
            {
                removed += _index.Write(c =>
                {
                    var count = 0;
                    foreach (var bytes in broken)
                    {
                        // Look again under the lock: a writer may have replaced the entry since the page was read.
                        var hash = KeyHash.FromBytes(bytes);
                        if (c.Find(bytes) is { } row && HasIntactLength(row, hash) == false && c.DeleteIfUnchanged(bytes, row.Checksum, row.StoredTicks))
                        {
                            // The damaged file goes with its row (orphans were swept before this, so nothing else would
                            // remove it until the next sweep).
                            if (!row.Inline)
                            {
                                _blobs.Delete(hash);
                            }

                            count++;
                        }
                    }

                    return count;
                });
            }
        }
    }
}
