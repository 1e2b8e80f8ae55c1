using ImageKit.Caching.Internal;
using ImageKit.Diagnostics.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageKit.Caching;

public sealed partial class DiskImageCache
{
    /// <summary>Where trims are logged (category <c>ImageKit.Caching</c>); set by the <see cref="ImageCache"/> that creates this tier.</summary>
    internal ILogger Logger { get; set; } = NullLogger.Instance;

    private const int TrimBatch = 1024; // larger batches rewrite fewer WAL pages; the write lock is held for about one batch of unlinks

    /// <summary>How far ahead of now a recorded time may be before it counts as written by a clock that ran ahead.</summary>
    private static readonly TimeSpan s_futureTolerance = TimeSpan.FromHours(1);

    /// <summary>
    /// Removes expired entries, then, if the cache is over the size limit, least recently used entries until it is at
    /// <see cref="DiskImageCacheOptions.TrimTargetFraction"/> of the limit. Works in batches through the index's time
    /// indexes (removing k entries costs O(k log n)) and releases the write lock between batches. Finally returns the
    /// index pages that removed inline entries occupied to the file system, so the index file shrinks.
    /// </summary>
    /// <remarks>
    /// Recency and age come from the access times in the index, with this instance's pending ones written first: reads in
    /// another instance or process on the folder that it has not written yet (a few seconds at most) do not count (see
    /// the remarks on <see cref="DiskImageCache"/>).
    /// </remarks>
    /// <param name="maxSizeBytes">The size limit; <see langword="null"/> uses <see cref="DiskImageCacheOptions.MaxSizeBytes"/>; 0 means none.</param>
    /// <param name="maxAge">The maximum age; <see langword="null"/> uses <see cref="DiskImageCacheOptions.MaxAge"/>; zero or infinite means none.</param>
    /// <param name="cancellationToken">Stops between batches; what was removed stays removed.</param>
    public async Task<DiskCacheTrimResult> TrimAsync(long? maxSizeBytes = null, TimeSpan? maxAge = null, CancellationToken cancellationToken = default)
    {
        if (maxSizeBytes is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSizeBytes), maxSizeBytes, "The size limit must not be negative.");
        }

        if (maxAge is { } age && age < TimeSpan.Zero && age != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAge), maxAge, "The maximum age must not be negative.");
        }

        using var operation = EnterOperation();
        await _trimGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FlushAccessTimes();
            BringBackFutureTimes();
            var (expired, expiredBytes) = RemoveExpired(maxAge ?? _options.MaxAge, cancellationToken);
            var limit = maxSizeBytes ?? _options.MaxSizeBytes;
            var (sized, sizedBytes) = limit > 0 ? TrimToSize(limit, cancellationToken) : (0, 0);
            if (expired + sized > 0)
            {
                ReleaseFreePagesAfterRemovals(cancellationToken);
            }

            LogTrim(expired, sized, expiredBytes + sizedBytes);
            return new DiskCacheTrimResult(expired, sized, expiredBytes + sizedBytes);
        }
        finally
        {
            _trimGate.Release();
        }
    }

    /// <summary>
    /// The entry count and total bytes (from running totals: one row read), and this instance's hits and misses. The
    /// bytes are the entries' own sizes, inline and in files alike; the index's pages and free space are not counted.
    /// </summary>
    public Task<DiskCacheStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        using var operation = EnterOperation();
        cancellationToken.ThrowIfCancellationRequested();
        var (entries, bytes) = _index.Read(c => c.Totals());
        return Task.FromResult(new DiskCacheStatistics(entries, bytes, Interlocked.Read(ref _hits), Interlocked.Read(ref _misses)));
    }

    /// <summary>
    /// Sets stored and access times later than now (by more than <see cref="s_futureTolerance"/>) to now. Written while
    /// the clock ran ahead (a machine that started with a wrong date and was set right later), they kept their entries from
    /// expiring and from being evicted as least recently used until that future came: with a clock once 14 years ahead,
    /// for 14 years. Runs before every trim and sweep: a lookup in each time index when there are none.
    /// </summary>
    private void BringBackFutureTimes()
    {
        var now = NowTicks;
        var latest = now + s_futureTolerance.Ticks;
        if (!_index.Read(c => c.HasTimesAfter(latest)))
        {
            return;
        }

        try
        {
            var count = _index.Write(c => c.BringBackTimesAfter(latest, now));
            if (count > 0)
            {
                Log.DiskCacheTimesFromTheFutureReset(Logger, _options.Directory, count);
            }
        }
        catch (Exception e) when (IndexDatabase.IsBusyOrFull(e))
        {
            // Not this trim's or sweep's own work: on a full disk (or a busy index) it goes on without, which a trim must
            // then do to make room; the next one brings the times back.
        }
    }

    /// <summary>
    /// Writes this instance's pending access times before a trim orders entries by them. On a full disk the trim goes on
    /// without them: they are a hint, and a trim must still make room there (see <see cref="RemoveBatch"/>). A busy index
    /// fails the trim as before (its own writes would wait out the same lock).
    /// </summary>
    private void FlushAccessTimes()
    {
        try
        {
            _access.Flush();
        }
        catch (DiskCacheException e) when (IndexDatabase.IsFull(e))
        {
        }
    }

    private (int Removed, long Bytes) RemoveExpired(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        if (maxAge <= TimeSpan.Zero || maxAge == Timeout.InfiniteTimeSpan)
        {
            return (0, 0);
        }

        var column = _options.ExpiryBasis == DiskCacheExpiryBasis.Stored ? "stored_at" : "last_access";
        var cutoff = NowTicks - maxAge.Ticks;
        int removed = 0, batch;
        long bytes = 0;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            (batch, var batchBytes) = RemoveBatch((c, asides) => DeleteRows(c, asides, c.Oldest(column, cutoff, TrimBatch)));
            removed += batch;
            bytes += batchBytes;
        }
        while (batch == TrimBatch);

        return (removed, bytes);
    }

    /// <summary>
    /// If the total is over the limit, removes least recently used entries down to the target fraction of it, except the
    /// entry of <paramref name="keep"/>: the one a write just stored, which may be larger than the target (or, with a
    /// clock that did not move, tie with older entries, and a replaced entry keeps its old row id), and must not be
    /// trimmed away by its own write.
    /// </summary>
    private (int Removed, long Bytes) TrimToSize(long limit, CancellationToken cancellationToken, byte[]? keep = null)
    {
        if (_index.Read(c => c.Totals()).Bytes <= limit)
        {
            return (0, 0);
        }

        var target = (long)(limit * _options.TrimTargetFraction);
        int removed = 0;
        long bytes = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (count, batchBytes) = RemoveBatch(
                (c, asides) =>
                {
                    var total = c.Totals().Bytes;
                    if (total <= target)
                    {
                        return (0, 0L);
                    }

                    return DeleteRows(c, asides, c.Oldest("last_access", long.MaxValue, TrimBatch), total, target, keep);
                });
            if (count == 0)
            {
                return (removed, bytes);
            }

            removed += count;
            bytes += batchBytes;
        }
    }

    /// <summary>
    /// Runs one batch of removals: its files are moved aside in the transaction, deleted once it commits, put back if it
    /// fails. A full disk keeps even deletions from committing (SQLite writes them to its WAL first), so a cache that
    /// filled the disk could never trim itself: the batch then deletes the files it was removing for good, which makes
    /// room, and runs once more. If that fails too, their rows are left without files: they read as misses, which is
    /// what the trim meant, and the next trim or sweep removes them.
    /// </summary>
    private (int Count, long Freed) RemoveBatch(Func<IndexConnection, AsideBlobs, (int Count, long Freed)> delete)
    {
        for (var attempt = 0; ; attempt++)
        {
            var asides = new AsideBlobs(_blobs);
            try
            {
                var result = _index.Write(c => delete(c, asides), undo: _ => asides.PutBack());
                asides.Delete();
                return result;
            }
            catch (DiskCacheException e) when (attempt == 0 && IndexDatabase.IsFull(e))
            {
                DeleteFilesToMakeRoom(asides.Taken);
            }
        }
    }

    // Under the write lock, in a transaction that changes nothing (so it commits on a full disk too): only files whose
    // key still has a file row, as another cache or process may have removed the key meanwhile.
    private void DeleteFilesToMakeRoom(IReadOnlyList<KeyHash> hashes) => _index.Write(c =>
    {
        foreach (var hash in hashes)
        {
            if (c.HasFileRow(hash.Bytes))
            {
                _blobs.Delete(hash);
            }
        }

        return 0;
    });

    /// <summary>
    /// Deletes rows in order, except the row of <paramref name="keep"/>, and moves their blobs into <paramref name="asides"/>
    /// (deleted once the transaction commits, put back if it fails); with a target, stops once <paramref name="total"/>
    /// minus what was freed is at or below it.
    /// </summary>
    private static (int Count, long Freed) DeleteRows(
        IndexConnection connection, AsideBlobs asides, List<IndexEntryRef> rows, long total = 0, long? target = null, byte[]? keep = null)
    {
        var count = 0;
        long freed = 0;
        foreach (var (id, hash, size, inline) in rows)
        {
            if (target is { } t && total - freed <= t)
            {
                break;
            }

            if (keep is not null && hash.AsSpan().SequenceEqual(keep))
            {
                continue;
            }

            connection.DeleteById(id); // the trigger deletes inline bytes
            if (!inline)
            {
                asides.MoveAside(KeyHash.FromBytes(hash));
            }

            freed += size;
            count++;
        }

        return (count, freed);
    }

    /// <summary>
    /// Shrinks the index file by the pages removals freed (in the WAL now, in the file at the next checkpoint), in
    /// batches that release the write lock in between. Not run by the trim that enforces the size limit on write: the
    /// writes that follow it reuse those pages at once.
    /// </summary>
    private void ReleaseFreePages(CancellationToken cancellationToken)
    {
        var previous = long.MaxValue;
        while (true)
        {
            var free = _index.Write(c => c.ReleaseFreePages());

            // No progress means the file cannot shrink (an index created without auto_vacuum): stop, do not spin.
            if (free == 0 || free >= previous)
            {
                return;
            }

            previous = free;
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// <see cref="ReleaseFreePages"/> after removals that have committed: a failure to give the pages back (a busy or
    /// failing index) is not theirs, and must not report them as failed; the next trim, clear or sweep gives them back.
    /// </summary>
    private void ReleaseFreePagesAfterRemovals(CancellationToken cancellationToken)
    {
        try
        {
            ReleaseFreePages(cancellationToken);
        }
        catch (DiskCacheException)
        {
        }
    }

    private void LogTrim(int expired, int evicted, long bytes)
    {
        if (expired + evicted > 0)
        {
            Log.DiskCacheTrimmed(Logger, _options.Directory, expired, evicted, bytes);
        }
    }
}
