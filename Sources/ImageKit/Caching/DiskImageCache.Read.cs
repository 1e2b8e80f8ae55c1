using ImageKit.Caching.Internal;

namespace ImageKit.Caching;

public sealed partial class DiskImageCache
{
    // How many times a read looks for an entry that writes keep replacing between its row and its bytes before it gives up
    // as a miss: a bound, so that a key rewritten without pause cannot hold a reader for ever.
    private const int MaxReadAttempts = 64;

    /// <summary>
    /// Reads an entry: its bytes (length and checksum verified) and metadata, and records the access. An absent, expired,
    /// missing, unreadable or damaged entry is a miss (<see langword="null"/>); expired and damaged entries are removed.
    /// </summary>
    /// <param name="key">Any string; it is hashed, never used as a path.</param>
    /// <param name="cancellationToken">Cancels the file read.</param>
    /// <exception cref="DiskCacheException">The index cannot be used (for example another process holds its lock too long).</exception>
    public Task<DiskCacheEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => GetAsync(key, countMiss: true, cancellationToken);

    /// <summary>
    /// <see cref="GetAsync(string, CancellationToken)"/>; without <paramref name="countMiss"/> a miss is not counted in
    /// the statistics (a lookup that falls back to another key, which counts the outcome).
    /// </summary>
    internal async Task<DiskCacheEntry?> GetAsync(string key, bool countMiss, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var operation = EnterOperation();
        var hash = KeyHash.Of(key);

        // A read that meets a write of the key in between its row and its file reads again, as often as writes keep
        // replacing the entry (up to MaxReadAttempts): readers see the old entry or the new one, never a miss in between.
        // Bytes that still read wrong without any write in between are read once more only (see RemoveIfStillBroken).
        var unsure = 0;
        for (var attempt = 0; attempt < MaxReadAttempts; attempt++)
        {
            var found = _index.Read(c => c.FindWithData(hash.Bytes));
            if (found is null)
            {
                break;
            }

            var (row, inlineData) = found.Value;
            var now = NowTicks;
            if (IsExpired(row, hash, now))
            {
                if (RemoveIfExpired(hash, row, now))
                {
                    break;
                }

                continue; // replaced, removed, or read meanwhile (its access written since this read): read it again
            }

            // An inline row and its bytes come from one statement, so they always belong together: a bad checksum there
            // is damage, never a race, and the file system is not touched.
            var data = row.Inline
                ? (inlineData is not null && inlineData.LongLength == row.Size && BlobStore.Checksum(inlineData) == row.Checksum ? inlineData : null)
                : await _blobs.ReadVerifiedAsync(hash, row.Size, row.Checksum, cancellationToken).ConfigureAwait(false);
            if (data is not null)
            {
                var lastAccess = Math.Max(row.LastAccessTicks, _access.PendingTicks(hash) ?? 0);
                _access.Record(hash, now);
                Interlocked.Increment(ref _hits);
                return new DiskCacheEntry(key, data, row.Metadata, IndexRow.ToTime(row.StoredTicks), IndexRow.ToTime(lastAccess));
            }

            // A writer may have replaced the blob and its row between our two reads: if the row changed, read again.
            var current = _index.Read(c => c.Find(hash.Bytes));
            if (current is not null && (current.Checksum != row.Checksum || current.StoredTicks != row.StoredTicks))
            {
                continue;
            }

            var broken = RemoveIfStillBroken(hash, row);
            if (broken == BrokenRow.Replaced || (broken == BrokenRow.ReadAgain && ++unsure < 2))
            {
                continue; // replaced by a write that committed, or intact again (a failed write put the file back)
            }

            break;
        }

        if (countMiss)
        {
            Interlocked.Increment(ref _misses);
        }

        return null;
    }

    /// <summary>
    /// Reads an entry's metadata and times without reading its bytes (for HTTP revalidation). Does not count as a hit or
    /// miss and does not record an access. Expired entries read as <see langword="null"/> and are removed.
    /// </summary>
    /// <returns>The metadata, or <see langword="null"/> when the entry is absent or expired.</returns>
    public Task<DiskCacheMetadata?> GetMetadataAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var operation = EnterOperation();
        cancellationToken.ThrowIfCancellationRequested();
        var hash = KeyHash.Of(key);
        var row = _index.Read(c => c.Find(hash.Bytes));
        if (row is null)
        {
            return Task.FromResult<DiskCacheMetadata?>(null);
        }

        var now = NowTicks;
        if (IsExpired(row, hash, now) && !RemoveIfExpired(hash, row, now))
        {
            // Kept: replaced, or read meanwhile. What the index holds now answers.
            row = _index.Read(c => c.Find(hash.Bytes));
        }

        if (row is null || IsExpired(row, hash, now))
        {
            return Task.FromResult<DiskCacheMetadata?>(null);
        }

        return Task.FromResult<DiskCacheMetadata?>(row.Metadata);
    }

    /// <summary>
    /// Whether an unexpired entry exists and its bytes (its file, or its row in the index) have the recorded length. The
    /// contents are not read, so a later <see cref="GetAsync(string, CancellationToken)"/> can still miss if they are damaged. Does not record an
    /// access.
    /// </summary>
    public Task<bool> ContainsAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var operation = EnterOperation();
        cancellationToken.ThrowIfCancellationRequested();
        var hash = KeyHash.Of(key);
        var row = _index.Read(c => c.Find(hash.Bytes));
        if (row is null || IsExpired(row, hash, NowTicks))
        {
            return Task.FromResult(false);
        }

        if (HasIntactLength(row, hash) == true)
        {
            return Task.FromResult(true);
        }

        // A write of the key may be between moving the old file aside and committing its row, or may have renamed its file
        // into place after the row was read: looked at again under the write lock, where no writer is between a rename and
        // its row, so the file is what the committed row says. An index that takes no write lock now answers as it did.
        try
        {
            return Task.FromResult(_index.Write(c => c.Find(hash.Bytes) is { } committed && !IsExpired(committed, hash, NowTicks) && HasIntactLength(committed, hash) == true));
        }
        catch (DiskCacheException)
        {
            return Task.FromResult(false);
        }
    }

    /// <summary>
    /// The length and checksum of the bytes stored under <paramref name="key"/>, without reading them, or
    /// <see langword="null"/> when there is no unexpired entry: what names the exact bytes a result derived from them was
    /// made from (see <see cref="Internal.DiskVariant"/>). With <paramref name="recordAccess"/> the entry counts as used,
    /// so that least-recently-used trimming keeps an original whose derived results are in use.
    /// </summary>
    internal (long Size, long Checksum)? Identify(string key, bool recordAccess)
    {
        using var operation = EnterOperation();
        var hash = KeyHash.Of(key);
        var row = _index.Read(c => c.Find(hash.Bytes));
        var now = NowTicks;
        if (row is null || IsExpired(row, hash, now))
        {
            return null;
        }

        if (recordAccess)
        {
            _access.Record(hash, now);
        }

        return (row.Size, row.Checksum);
    }

    private bool IsExpired(IndexRow row, in KeyHash hash, long now)
    {
        if (!_options.Expires)
        {
            return false;
        }

        var basis = _options.ExpiryBasis == DiskCacheExpiryBasis.Stored
            ? row.StoredTicks
            : Math.Max(row.LastAccessTicks, _access.PendingTicks(hash) ?? 0);
        return basis < now - _options.MaxAge.Ticks;
    }

    /// <summary>
    /// Whether a row's bytes exist with its recorded length: one stat for a file, nothing more for an inline row;
    /// <see langword="null"/> when the file cannot be looked at now (see <see cref="BlobStore.HasLength"/>).
    /// </summary>
    private bool? HasIntactLength(IndexRow row, in KeyHash hash) => row.Inline ? row.InlineLength == row.Size : _blobs.HasLength(hash, row.Size);

    /// <summary>
    /// Removes the entry of <paramref name="key"/> only if it holds <paramref name="bytes"/> (same length and checksum):
    /// bytes a reader found useless (they no longer decode) go, and a version stored since they were read stays. Stores
    /// still waiting for the key are left alone (see <see cref="ImageCache"/>, which tells them apart).
    /// </summary>
    /// <returns>Whether the entry was removed.</returns>
    internal bool RemoveIfHolds(string key, ReadOnlySpan<byte> bytes, CancellationToken cancellationToken)
    {
        using var operation = EnterOperation();
        cancellationToken.ThrowIfCancellationRequested();
        var hash = KeyHash.Of(key);
        var (size, checksum) = ((long)bytes.Length, BlobStore.Checksum(bytes));
        var asides = new AsideBlobs(_blobs);
        var removed = _index.Write(
            c =>
            {
                if (c.Find(hash.Bytes) is not { } row || row.Size != size || row.Checksum != checksum
                    || !c.DeleteIfUnchanged(hash.Bytes, row.Checksum, row.StoredTicks))
                {
                    return false;
                }

                if (!row.Inline)
                {
                    asides.MoveAside(hash); // as Remove does: deleted once the row's deletion has committed
                }

                return true;
            },
            undo: _ => asides.PutBack());
        asides.Delete();
        if (removed)
        {
            _access.Forget(hash);
        }

        return removed;
    }

    /// <summary>
    /// Removes a row whose bytes read as missing or damaged, and its blob, unless another writer replaced them since the row
    /// was read, or the row's file reads intact now (or cannot be read at all now, which is not damage): a write that replaces the entry moves its file aside inside its
    /// transaction and, if that fails, puts it back before it lets go of the write lock, which this waits for; if it
    /// commits, the key has its new row by then.
    /// </summary>
    /// <returns>
    /// <see cref="BrokenRow.Removed"/> when the entry is gone; <see cref="BrokenRow.Replaced"/> when a writer replaced it
    /// since the row was read (readers see the old entry or the new one, not a miss in between);
    /// <see cref="BrokenRow.ReadAgain"/> when its file reads intact now or cannot be read now.
    /// </returns>
    private BrokenRow RemoveIfStillBroken(KeyHash hash, IndexRow row)
    {
        var outcome = _index.Write(c =>
        {
            // Under the write lock no writer is between a rename and its row: the file is what the committed rows say. A
            // file that cannot be read now (no file descriptor left, an I/O error) is not known to be damaged: kept, and
            // read once more before the read gives up as a miss.
            if (!row.Inline && _blobs.IsIntact(hash, row.Size, row.Checksum) is not false)
            {
                // The file under the row read now may be a newer write's (committed since the row was read).
                return c.Find(hash.Bytes) is { } now && (now.Checksum != row.Checksum || now.StoredTicks != row.StoredTicks)
                    ? BrokenRow.Replaced
                    : BrokenRow.ReadAgain;
            }

            if (c.DeleteIfUnchanged(hash.Bytes, row.Checksum, row.StoredTicks))
            {
                if (!row.Inline)
                {
                    _blobs.Delete(hash);
                }

                return BrokenRow.Removed;
            }

            return c.Find(hash.Bytes) is not null ? BrokenRow.Replaced : BrokenRow.Removed; // replaced since, or removed: a miss
        });
        if (outcome == BrokenRow.Removed)
        {
            _access.Forget(hash);
        }

        return outcome;
    }

    /// <summary>What <see cref="RemoveIfStillBroken"/> found.</summary>
    private enum BrokenRow
    {
        /// <summary>The entry is gone (removed now as damaged, or by another hand): a miss.</summary>
        Removed,

        /// <summary>A write replaced the entry since its row was read: read the new one.</summary>
        Replaced,

        /// <summary>The row's file reads intact now, or cannot be read now: read once more.</summary>
        ReadAgain,
    }

    /// <summary>
    /// Removes an expired entry's row and its blob, unless another writer replaced them since the row was read, or the
    /// entry is no longer expired in the index (an access written meanwhile: this cache's batch of access times may have
    /// been on its way there when the row was read). The file is moved aside in the transaction and deleted once it has
    /// committed: a removal that fails leaves the row, which <see cref="UpdateMetadataAsync"/> can make fresh again, and
    /// so must leave its file.
    /// </summary>
    /// <returns>Whether the row was removed.</returns>
    private bool RemoveIfExpired(KeyHash hash, IndexRow row, long now)
    {
        var asides = new AsideBlobs(_blobs);
        var byLastAccess = _options.ExpiryBasis == DiskCacheExpiryBasis.LastAccess;
        var removed = _index.Write(
            c =>
            {
                if (!c.DeleteIfUnchangedAndExpired(hash.Bytes, row.Checksum, row.StoredTicks, byLastAccess, now - _options.MaxAge.Ticks))
                {
                    return false;
                }

                if (!row.Inline)
                {
                    asides.MoveAside(hash);
                }

                return true;
            },
            undo: _ => asides.PutBack()); // safe unchecked: a file is put back only where its key has none
        asides.Delete();
        if (removed)
        {
            _access.Forget(hash);
        }

        return removed;
    }
}
