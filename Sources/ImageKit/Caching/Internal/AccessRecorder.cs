using System.Collections.Concurrent;

namespace ImageKit.Caching.Internal;

/// <summary>
/// Collects last-access times of hits and writes them to the index in one transaction per batch (when enough have
/// piled up, on a timer, and before anything that orders by access), so a hit never waits for a write lock or a sync.
/// Thread-safe. A crash loses at most the last unflushed batch of access times, never data.
/// </summary>
internal sealed class AccessRecorder : IDisposable
{
    private const int FlushThreshold = 256;
    private static readonly TimeSpan s_flushPeriod = TimeSpan.FromSeconds(2);

    private readonly IndexDatabase _index;
    private readonly Lock _flushLock = new();
    private readonly ITimer _timer;
    private ConcurrentDictionary<string, (byte[] Hash, long Ticks)> _pending = new(StringComparer.Ordinal);

    // The batch a flush is writing, until its transaction has ended: its times are not in the index yet, so they must still
    // count for expiry (a read that met an entry while its last access was on its way to the index took it for expired).
    private ConcurrentDictionary<string, (byte[] Hash, long Ticks)>? _flushing;
    private int _backgroundFlushQueued;
    private int _timerArmed;

    public AccessRecorder(IndexDatabase index, TimeProvider timeProvider)
    {
        _index = index;
        // One-shot, armed by the first pending access: a periodic timer on a fake clock would fire once per period of
        // every Advance (millions of times for an advance of years).
        _timer = ImageKit.Internal.ContextFreeTimer.Create(timeProvider, static state => ((AccessRecorder)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Record(in KeyHash hash, long ticks)
    {
        var pending = Volatile.Read(ref _pending);
        while (true)
        {
            pending.AddOrUpdate(hash.Hex, (hash.Bytes, ticks), (_, old) => old.Ticks >= ticks ? old : (old.Hash, ticks));

            // A flush that took this batch meanwhile may have listed its times before this one went in: then it is in a
            // batch nobody writes, and goes into the new one too (twice in the index at worst, never lost).
            var current = Volatile.Read(ref _pending);
            if (ReferenceEquals(current, pending))
            {
                break;
            }

            pending = current;
        }

        if (Interlocked.Exchange(ref _timerArmed, 1) == 0)
        {
            _timer.Change(s_flushPeriod, Timeout.InfiniteTimeSpan);
        }

        if (pending.Count >= FlushThreshold && Interlocked.Exchange(ref _backgroundFlushQueued, 1) == 0)
        {
            _ = Task.Run(() =>
            {
                Volatile.Write(ref _backgroundFlushQueued, 0);
                FlushQuietly();
            });
        }
    }

    /// <summary>The newest access recorded here but not yet written, if any.</summary>
    public long? PendingTicks(in KeyHash hash)
    {
        // _pending before _flushing: a flush publishes its batch as _flushing before it takes it out of _pending.
        long? ticks = Volatile.Read(ref _pending).TryGetValue(hash.Hex, out var entry) ? entry.Ticks : null;
        if (Volatile.Read(ref _flushing) is { } flushing && flushing.TryGetValue(hash.Hex, out var written) && written.Ticks > (ticks ?? long.MinValue))
        {
            ticks = written.Ticks;
        }

        return ticks;
    }

    public void Forget(in KeyHash hash) => Volatile.Read(ref _pending).TryRemove(hash.Hex, out _);

    public void ForgetAll() => Volatile.Read(ref _pending).Clear();

    /// <summary>Writes every pending access now.</summary>
    public void Flush()
    {
        lock (_flushLock)
        {
            var batch = Volatile.Read(ref _pending);
            if (batch.IsEmpty)
            {
                return;
            }

            Volatile.Write(ref _flushing, batch);
            try
            {
                Interlocked.Exchange(ref _pending, new ConcurrentDictionary<string, (byte[], long)>(StringComparer.Ordinal));
                _index.Write(connection =>
                {
                    foreach (var (hash, ticks) in batch.Values)
                    {
                        connection.Touch(hash, ticks);
                    }

                    return 0;
                });
            }
            finally
            {
                Volatile.Write(ref _flushing, null);
            }
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        FlushQuietly();
    }

    private void OnTimer()
    {
        Volatile.Write(ref _timerArmed, 0);
        FlushQuietly();
    }

    private void FlushQuietly()
    {
        try
        {
            Flush();
        }
        catch (Exception e) when (e is DiskCacheException or Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException or InvalidOperationException)
        {
            // Access times are a hint for trimming; losing a batch to a busy or closing index is harmless. Never let it
            // escape: this runs on a timer and from Dispose (a DiskCacheException is what IndexDatabase makes of a locked
            // or full index, and used to end the process from the timer).
        }
    }
}
