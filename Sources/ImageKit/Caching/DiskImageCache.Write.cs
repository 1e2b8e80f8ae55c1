using System.Runtime.InteropServices;
using ImageKit.Caching.Internal;
using ImageKit.Diagnostics.Internal;

namespace ImageKit.Caching;

public sealed partial class DiskImageCache
{
    /// <summary>
    /// The stores of this cache that an <see cref="ImageManager"/> has promised for loads that already returned and runs
    /// later in the background. <see cref="RemoveAsync"/> and <see cref="ClearAsync"/> cancel them (or wait for those
    /// running), whoever calls them: a removal is never undone by bytes loaded before it.
    /// </summary>
    internal PendingDiskStores PendingStores { get; } = new();

    /// <summary>
    /// Stores an entry atomically, replacing any entry with the same key: readers see the old entry or the new one, never
    /// a mix, and a crash at any point leaves either of them or a miss. With <see cref="DiskImageCacheOptions.MaxSizeBytes"/>
    /// set, least recently used entries are then removed to keep the cache within the limit; data larger than the limit
    /// is not stored (and an older entry for the key is removed). Data of at most <see cref="DiskImageCacheOptions.MaxInlineBytes"/>
    /// is kept inside the index (one transaction, no file); larger data gets a file of its own. Replacing an entry of the
    /// other kind removes the old bytes in the same step.
    /// </summary>
    /// <param name="key">Any string; it is hashed, never used as a path.</param>
    /// <param name="data">The encoded bytes. Copied to disk before the method returns; the caller keeps ownership.</param>
    /// <param name="metadata">What to keep beside the bytes. <value>Default: none.</value></param>
    /// <param name="cancellationToken">Cancels the write until the blob is complete; after that the entry is committed.</param>
    /// <exception cref="DiskCacheException">The folder cannot be written (for example the disk is full or read-only).</exception>
    public async Task SetAsync(string key, ReadOnlyMemory<byte> data, DiskCacheMetadata? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var operation = EnterOperation();

        // Stores of the key's bytes an ImageManager deferred before this write hold older bytes: cancelled, or waited for
        // if running, so that they never land over these (nor are answered instead of them).
        var superseding = PendingStores.SupersedeAsync(key);
        if (!superseding.IsCompletedSuccessfully)
        {
            await superseding.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_options.MaxSizeBytes > 0 && data.Length > _options.MaxSizeBytes)
        {
            // Not RemoveAsync: that waits for the running deferred stores of the key, and this may be one of them (an
            // ImageManager's background store of bytes over the limit), which then waited for itself for ever.
            Remove(key, cancellationToken);
            return;
        }

        var hash = KeyHash.Of(key);
        var checksum = BlobStore.Checksum(data.Span);
        if (StoresInline(data.Length))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await SetInlineAsync(hash, data, checksum, metadata).ConfigureAwait(false);
        }
        else
        {
            await SetFileAsync(hash, data, checksum, metadata, cancellationToken).ConfigureAwait(false);
        }

        if (_options.MaxSizeBytes > 0)
        {
            // The entry is committed: cancelling now would tell the caller "cancelled" about a write that happened, so
            // the size limit is enforced regardless; and a trim that fails (a busy or failing index) must not tell it the
            // write failed either. The next write or trim enforces the limit again.
            try
            {
                await EnforceSizeLimitAsync(hash, CancellationToken.None).ConfigureAwait(false);
            }
            catch (DiskCacheException e)
            {
                Log.DiskCacheTrimAfterWriteFailed(Logger, Directory, e.Message);
            }
        }
    }

    /// <summary>Whether data of <paramref name="length"/> bytes is kept inside the index (a shared transaction, no file).</summary>
    internal bool StoresInline(long length) =>
        _options.MaxInlineBytes > 0 && length <= _options.MaxInlineBytes && (_options.MaxSizeBytes <= 0 || length <= _options.MaxSizeBytes);

    /// <summary>How many transactions inline writes have committed (several writes can share one).</summary>
    internal long InlineTransactions => _inlineWrites.Transactions;

    private Task SetInlineAsync(KeyHash hash, ReadOnlyMemory<byte> data, long checksum, DiskCacheMetadata? metadata)
    {
        // SQLite binds whole arrays only; most callers pass one, so the copy is rare.
        var bytes = MemoryMarshal.TryGetArray(data, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : data.ToArray();
        return _inlineWrites.WriteAsync(new InlineWrite(hash, bytes, checksum, metadata ?? DiskCacheMetadata.Empty, NowTicks));
    }

    // One transaction for a batch of inline writes (see GroupCommit).
    private void CommitInline(IReadOnlyList<InlineWrite> writes)
    {
        // The files of replaced entries. Moved aside under the write lock, not deleted: if a later write of the batch or
        // the commit fails, the old rows come back and so must their files. (A reader that still holds an old row misses
        // the file, sees the row changed and reads again.) Deleted once the new rows are committed.
        var asides = new AsideBlobs(_blobs);
        try
        {
            _index.Write(
                c =>
                {
                    foreach (var write in writes)
                    {
                        if (c.Upsert(write.Hash.Bytes, write.Data.Length, write.Checksum, write.StoredTicks, write.Metadata, write.Data) is { InFile: true })
                        {
                            asides.MoveAside(write.Hash);
                        }
                    }

                    return 0;
                },
                undo: _ => asides.PutBack()); // safe unchecked: a file is put back only where its key has none
            asides.Delete();
        }
        finally
        {
            foreach (var write in writes)
            {
                _access.Forget(write.Hash);
            }
        }
    }

    private readonly record struct InlineWrite(KeyHash Hash, byte[] Data, long Checksum, DiskCacheMetadata Metadata, long StoredTicks);

    private async Task SetFileAsync(KeyHash hash, ReadOnlyMemory<byte> data, long checksum, DiskCacheMetadata? metadata, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            string temp;
            try
            {
                temp = await _blobs.WriteTempAsync(data, _options.FlushWrites, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DiskCacheException(Directory, $"cannot write to the disk cache: {e.Message}", e);
            }

            try
            {
                var now = NowTicks;
                var moved = false;
                string? aside = null;
                (bool InFile, long Checksum, long StoredTicks)? replaced = null;
                _index.Write(
                    c =>
                    {
                        // The rename happens under the index's write lock, so the blob on disk and its row change together as
                        // far as every other writer, remover and sweeper is concerned. The old blob is moved aside, not
                        // overwritten: if the transaction fails, its row comes back and so must it. The row first: what it
                        // replaced is what a failed transaction's undo must find again before it touches the files, and
                        // whether there is a file to move at all (a new key has none: looking would cost a thrown exception;
                        // a stale file beside no file row is garbage the rename may overwrite).
                        replaced = c.Upsert(hash.Bytes, data.Length, checksum, now, metadata ?? DiskCacheMetadata.Empty);
                        aside = replaced is { InFile: true } ? _blobs.MoveAside(hash) : null;
                        _blobs.MoveIntoPlace(temp, hash);
                        moved = true;
                        return 0;
                    },
                    undo: c =>
                    {
                        // SQLite rolled back by itself (c is set), letting go of the lock for a moment: if the key's row is no
                        // longer the one this write replaced, another cache wrote or removed the entry meanwhile, and the file
                        // in place (or its absence) is theirs. Only the old file aside goes then.
                        var ours = c is null || IsStillRow(c, hash, replaced);
                        if (ours && moved)
                        {
                            _blobs.TakeBack(hash, temp);
                        }

                        moved = false;
                        if (aside is not null)
                        {
                            if (ours)
                            {
                                _blobs.PutBack(aside, hash);
                            }
                            else
                            {
                                BlobStore.TryDelete(aside);
                            }

                            aside = null;
                        }
                    });
                if (aside is not null)
                {
                    BlobStore.TryDelete(aside);
                }

                _access.Forget(hash);
                return;
            }
            catch (IOException e) when (attempt == 0 && e is FileNotFoundException or DirectoryNotFoundException)
            {
                // The temporary file, or the folder it was to go to, went before the rename: the cache folder was emptied
                // from outside (by the user or a cleaning tool) while the store ran. The bytes are still here: once more.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DiskCacheException(Directory, $"cannot write to the disk cache: {e.Message}", e);
            }
            finally
            {
                BlobStore.TryDelete(temp); // nothing left to delete once renamed
            }
        }
    }

    /// <summary>
    /// Whether the key's row is <paramref name="row"/> (null: none), as read through a connection that holds the write lock
    /// again; false when it does not, or the row cannot be read.
    /// </summary>
    private static bool IsStillRow(IndexConnection connection, KeyHash hash, (bool InFile, long Checksum, long StoredTicks)? row)
    {
        if (!connection.HoldsWriteLock)
        {
            return false;
        }

        try
        {
            return connection.Find(hash.Bytes) is { } current
                ? row is { } r && r.InFile == !current.Inline && r.Checksum == current.Checksum && r.StoredTicks == current.StoredTicks
                : row is null;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return false;
        }
    }

    /// <summary>Removes an entry and its bytes (its file, or its row in the index).</summary>
    /// <returns><see langword="true"/> when an entry was removed.</returns>
    /// <remarks>
    /// A store of the key that an <see cref="ImageManager"/> deferred for a load that came before (see
    /// <see cref="PendingStores"/>) is cancelled, or waited for if it is running, so that it does not bring the entry back.
    /// </remarks>
    public Task<bool> RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var pending = PendingStores.CancelAsync(key);
        return pending.IsCompletedSuccessfully ? Task.FromResult(Remove(key, cancellationToken)) : RemoveAfterAsync(pending, key, cancellationToken);
    }

    private async Task<bool> RemoveAfterAsync(Task pending, string key, CancellationToken cancellationToken)
    {
        await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Remove(key, cancellationToken);
    }

    private bool Remove(string key, CancellationToken cancellationToken)
    {
        using var operation = EnterOperation();
        cancellationToken.ThrowIfCancellationRequested();
        var hash = KeyHash.Of(key);
        // The file is moved aside, not deleted, inside the transaction, and deleted once the row's deletion is committed:
        // a transaction that fails leaves the row, and so must leave its file.
        var asides = new AsideBlobs(_blobs);
        var removed = _index.Write(
            c =>
            {
                var hadFile = c.Delete(hash.Bytes);
                if (hadFile == true)
                {
                    asides.MoveAside(hash);
                }

                return hadFile is not null;
            },
            undo: _ => asides.PutBack());
        asides.Delete();
        _access.Forget(hash);
        return removed;
    }

    /// <summary>
    /// Removes every entry. The index is emptied and the blob folder swapped for an empty one in one transaction; the old
    /// files are deleted once it has committed (if it fails, the folder is put back with the rows).
    /// Stores an <see cref="ImageManager"/> deferred for loads that came before are cancelled, or waited for if running
    /// (see <see cref="PendingStores"/>), so that they do not refill the cache.
    /// </summary>
    /// <exception cref="DiskCacheException">The folder or the index cannot be written.</exception>
    public async Task ClearAsync(CancellationToken cancellationToken = default)
    {
        await PendingStores.CancelAsync(null).WaitAsync(cancellationToken).ConfigureAwait(false);
        using var operation = EnterOperation();
        cancellationToken.ThrowIfCancellationRequested();
        string? trash = null;
        try
        {
            try
            {
                trash = ClearIndexAndDetachBlobs();
            }
            catch (DiskCacheException e) when (IndexDatabase.IsFull(e))
            {
                // A full disk keeps even the deletion from committing (SQLite writes it to its WAL first), so a cache that
                // filled the disk could never be cleared: its files go first, for good, which makes room, and the clear
                // runs once more. If that fails too, the rows are left without files and read as misses.
                string? files = null;
                try
                {
                    _index.Write(_ => files ??= _blobs.DetachAll()); // changes nothing in the index: commits on a full disk too
                }
                finally
                {
                    if (files is not null)
                    {
                        BlobStore.TryDeleteDirectory(files);
                    }
                }

                trash = ClearIndexAndDetachBlobs();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiskCacheException(Directory, $"cannot clear the disk cache: {e.Message}", e);
        }

        _access.ForgetAll();
        ReleaseFreePagesAfterRemovals(CancellationToken.None);
        if (trash is not null)
        {
            await Task.Run(() => BlobStore.TryDeleteDirectory(trash), CancellationToken.None).ConfigureAwait(false);
        }
    }

    // One transaction: every row deleted and the blob folder swapped for an empty one (put back if it fails to commit).
    // Returns where the old folder went, to delete once committed.
    private string? ClearIndexAndDetachBlobs()
    {
        string? detached = null;
        _index.Write(
            c =>
            {
                c.DeleteAll();
                detached ??= _blobs.DetachAll();
                return 0;
            },
            undo: _ =>
            {
                if (detached is not null)
                {
                    _blobs.Reattach(detached);
                    detached = null;
                }
            });
        return detached;
    }

    /// <summary>Trims least recently used entries if the cache is over the limit, never <paramref name="written"/> (the entry just stored).</summary>
    private async Task EnforceSizeLimitAsync(KeyHash written, CancellationToken cancellationToken)
    {
        var limit = _options.MaxSizeBytes;
        if (_index.Read(c => c.Totals()).Bytes <= limit)
        {
            return;
        }

        await _trimGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FlushAccessTimes();
            BringBackFutureTimes();
            var (evicted, bytes) = TrimToSize(limit, CancellationToken.None, written.Bytes);
            LogTrim(0, evicted, bytes);
        }
        finally
        {
            _trimGate.Release();
        }
    }
}
