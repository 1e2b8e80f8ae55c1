using System.Collections.Concurrent;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Reuses native pixel blocks (<see cref="PixelMemory"/>), so sequential playback does not allocate for every frame and a
/// decode after an eviction reuses the evicted frame's memory. Up to <see cref="MaxPooledBytes"/> of idle blocks are kept
/// for good; a released burst beyond that (a disposed cache, a closed gallery) is kept as a <i>surplus</i> for one to two
/// <see cref="SurplusLifetime"/>s, so the next burst reuses it, and then freed (at once when memory runs low).
/// </summary>
/// <remarks>
/// <para>
/// Blocks come in size classes sixteen to each power of two, so a buffer of any length in a class can reuse any block of
/// it, at the price of at most 1/16 (6.25 %) unused bytes per block. With exact lengths only, images of different sizes
/// never reused each other's memory: every decode touched fresh memory, which cost 10–15 % of a JPEG or WebP decode
/// (page faults; `decode-compare` benchmark).
/// </para>
/// <para>
/// <b>Why a surplus.</b> Pages the process has given back to the OS come back zeroed by the kernel on first touch: in a
/// cold load of 1,000 images kept by the memory cache, clearing fresh pages was the one cost a decode-and-discard loop
/// does not have (14 % of all CPU samples, <c>clear_page_erms</c>). The C heap gives large freed blocks back at once, so
/// after one burst is released the next would pay it again. The surplus decays like jemalloc's dirty pages: every
/// <see cref="SurplusLifetime"/>, the bytes that stayed idle for the whole period are freed, and all of it when the
/// memory load is high; it is capped at <see cref="MaxSurplusBytes"/>, and <see cref="Trim"/> frees it at once. The timer
/// runs only while a surplus exists. (For scale: <see cref="System.Buffers.ArrayPool{T}.Shared"/> keeps idle arrays for
/// a minute, jemalloc's dirty pages decay over 10 s.)
/// </para>
/// <para>
/// A pool has no finalizer, for the reason given on <see cref="PixelBuffer"/>: a pool dropped with idle blocks would leak
/// them. Only <see cref="Shared"/> exists outside tests, and it lives as long as the process; tests trim theirs.
/// </para>
/// <para>
/// Written here rather than taken from <see cref="System.Buffers.ArrayPool{T}"/> because frames live in native memory
/// (see <see cref="PixelMemory"/> for why), the shared array pool does not bound bytes, and its power-of-two classes would
/// waste up to half of a large frame.
/// </para>
/// </remarks>
internal sealed class PixelBufferPool
{
    private readonly ConcurrentDictionary<int, SizeClassBlocks> _blocks = new();
    private readonly TimeProvider _time;
    private readonly Func<bool> _isMemoryLow;
    private readonly Lock _timerLock = new();
    private ITimer? _timer;
    private long _decayGeneration; // under _timerLock: which timer's ticks count
    private long _pooledBytes;

    // The smallest surplus seen since the last tick: the surplus bytes that stayed idle for the whole period.
    private long _idleSurplusBytes = long.MaxValue;

    public PixelBufferPool(
        long maxPooledBytes,
        long maxSurplusBytes = 0,
        TimeSpan surplusLifetime = default,
        TimeProvider? time = null,
        Func<bool>? isMemoryLow = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPooledBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSurplusBytes);
        if (maxSurplusBytes > 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(surplusLifetime, TimeSpan.Zero);
        }

        MaxPooledBytes = maxPooledBytes;
        MaxSurplusBytes = maxSurplusBytes;
        SurplusLifetime = surplusLifetime;
        _time = time ?? TimeProvider.System;
        _isMemoryLow = isMemoryLow ?? IsMemoryLoadHigh;
    }

    /// <summary>
    /// The pool every image uses: up to 64 MiB of idle blocks for good, and a surplus of up to an eighth of the memory
    /// available to the process (at most 1 GiB) for 5–10 s, or until memory runs low.
    /// </summary>
    public static PixelBufferPool Shared { get; } = new(
        64L * 1024 * 1024,
        Math.Min(1L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 8),
        TimeSpan.FromSeconds(5));

    /// <summary>The idle bytes kept for good.</summary>
    public long MaxPooledBytes { get; }

    /// <summary>The idle bytes kept for a while beyond <see cref="MaxPooledBytes"/>; zero keeps none.</summary>
    public long MaxSurplusBytes { get; }

    /// <summary>The decay period of the surplus.</summary>
    public TimeSpan SurplusLifetime { get; }

    /// <summary>The bytes currently idle in the pool.</summary>
    public long PooledBytes => Interlocked.Read(ref _pooledBytes);

    /// <summary>Whether the surplus timer is running (tests).</summary>
    internal bool IsDecaying
    {
        get
        {
            lock (_timerLock)
            {
                return _timer is not null;
            }
        }
    }

    /// <summary>
    /// Rents a buffer of exactly <paramref name="length"/> bytes (backed by a block of its size class) with one reference
    /// held by the caller. Its contents are undefined.
    /// </summary>
    public PixelBuffer Rent(int length)
    {
        var capacity = SizeClass(length);
        if (_blocks.TryGetValue(capacity, out var blocks) && blocks.Bag.TryTake(out var block))
        {
            var pooled = Interlocked.Add(ref _pooledBytes, -capacity);
            var left = Interlocked.Decrement(ref blocks.Count);
            if (MaxSurplusBytes > 0)
            {
                LowerIdleSurplus(Math.Max(0, pooled - MaxPooledBytes));
                LowerTo(ref blocks.IdleLow, left);
            }

            return new PixelBuffer(block, capacity, length, this);
        }

        return new PixelBuffer(PixelMemory.Allocate(capacity), capacity, length, this);
    }

    /// <summary>The block length used for buffers of <paramref name="length"/> bytes: rounded up to a sixteenth of its power of two.</summary>
    internal static int SizeClass(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= 4096)
        {
            return length; // small buffers (icons, tests) are not worth rounding
        }

        var step = (int)(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)length + 1) >> 5);
        var capacity = (long)(length + step - 1) / step * step;
        return capacity > Array.MaxLength ? length : (int)capacity;
    }

    /// <summary>Takes back a released buffer's block of <paramref name="capacity"/> bytes, or frees it when the pool is full.</summary>
    internal void Return(IntPtr block, int capacity)
    {
        var pooled = Interlocked.Add(ref _pooledBytes, capacity);
        if (pooled > MaxPooledBytes + MaxSurplusBytes)
        {
            Interlocked.Add(ref _pooledBytes, -capacity);
            PixelMemory.Free(block, capacity);
            return;
        }

        var blocks = _blocks.GetOrAdd(capacity, static _ => new SizeClassBlocks());
        blocks.Bag.Add(block);
        Interlocked.Increment(ref blocks.Count); // not IdleLow: a block returned during a period was not idle all of it
        if (pooled > MaxPooledBytes)
        {
            StartDecay();
        }
    }

    /// <summary>Frees every idle block, surplus or not (memory pressure, tests).</summary>
    public void Trim()
    {
        FreeIdle(long.MaxValue, keepBytes: 0);
        lock (_timerLock)
        {
            if (PooledBytes <= MaxPooledBytes)
            {
                StopDecay();
            }
        }
    }

    /// <summary>
    /// One decay period of timer <paramref name="generation"/> has passed: frees the surplus that stayed idle all along, or
    /// all of it when memory is low. A tick of a timer that has been stopped (queued before it stopped) does nothing.
    /// </summary>
    private void OnDecayTick(long generation)
    {
        lock (_timerLock)
        {
            if (_timer is null || generation != _decayGeneration)
            {
                return;
            }

            var idle = Interlocked.Exchange(ref _idleSurplusBytes, long.MaxValue);
            if (_isMemoryLow())
            {
                idle = long.MaxValue;
            }
            else if (idle == long.MaxValue)
            {
                idle = 0; // no level was recorded for this period: nothing is known to have stayed idle
            }

            var bytes = Math.Min(idle, Math.Max(0, PooledBytes - MaxPooledBytes));
            if (idle == long.MaxValue)
            {
                FreeIdle(bytes, MaxPooledBytes);
            }
            else
            {
                FreeStayedIdle(bytes);
            }

            MarkIdleLevels();
            var surplus = PooledBytes - MaxPooledBytes;
            if (surplus <= 0)
            {
                StopDecay();
            }
            else
            {
                LowerIdleSurplus(surplus);
            }
        }
    }

    // As ArrayPool<T>.Shared judges it: the machine (or container) is at 90 % of the load the GC treats as high. The GC
    // measures the load at each collection, so this is as fresh as the last one (with pixels off the managed heap,
    // collections are rarer); the surplus's cap and lifetime bound it regardless.
    private static bool IsMemoryLoadHigh()
    {
        var info = GC.GetGCMemoryInfo();
        return info.MemoryLoadBytes >= info.HighMemoryLoadThresholdBytes * 0.9;
    }

    private void FreeIdle(long bytes, long keepBytes)
    {
        var freed = 0L;
        foreach (var (capacity, blocks) in _blocks)
        {
            while (freed < bytes && PooledBytes > keepBytes && blocks.Bag.TryTake(out var block))
            {
                FreeTaken(capacity, blocks, block);
                freed += capacity;
            }
        }
    }

    // Frees up to about <paramref name="bytes"/> of the blocks that stayed idle for the whole period, class by class: as
    // many of a class as it never went below. Not simply the first classes met: those may hold the blocks an animation
    // reuses every frame, which would then be allocated afresh each period while blocks nobody rents stayed for good.
    private void FreeStayedIdle(long bytes)
    {
        var freed = 0L;
        foreach (var (capacity, blocks) in _blocks)
        {
            for (var idle = Volatile.Read(ref blocks.IdleLow); idle > 0 && freed < bytes && blocks.Bag.TryTake(out var block); idle--)
            {
                FreeTaken(capacity, blocks, block);
                freed += capacity;
            }
        }
    }

    private void FreeTaken(int capacity, SizeClassBlocks blocks, IntPtr block)
    {
        Interlocked.Add(ref _pooledBytes, -capacity);
        Interlocked.Decrement(ref blocks.Count);
        PixelMemory.Free(block, capacity);
    }

    // A new period begins: every block idle now counts as idle until a rent takes it.
    private void MarkIdleLevels()
    {
        foreach (var blocks in _blocks.Values)
        {
            Volatile.Write(ref blocks.IdleLow, Math.Max(0, Volatile.Read(ref blocks.Count)));
        }
    }

    private static void LowerTo(ref int low, int value)
    {
        var current = Volatile.Read(ref low);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref low, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void LowerIdleSurplus(long surplus)
    {
        var current = Volatile.Read(ref _idleSurplusBytes);
        while (surplus < current)
        {
            var seen = Interlocked.CompareExchange(ref _idleSurplusBytes, surplus, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void StartDecay()
    {
        // Always under the lock, even when a timer seems to run: a tick deciding to stop (it saw no surplus before this
        // block was added) must not be able to leave this block's surplus without a timer.
        lock (_timerLock)
        {
            if (_timer is not null)
            {
                return;
            }

            // The surplus that exists now is the starting level, and the blocks of each class now its idle ones; rents during
            // the period lower both.
            Volatile.Write(ref _idleSurplusBytes, Math.Max(0, PooledBytes - MaxPooledBytes));
            MarkIdleLevels();
            // The timer belongs to the pool, not to whichever load released a frame: it does not take that load's context.
            var generation = ++_decayGeneration;
            _timer = ImageKit.Internal.ContextFreeTimer.Create(
                _time,
                static state =>
                {
                    var (pool, generation) = ((PixelBufferPool, long))state!;
                    pool.OnDecayTick(generation);
                },
                (this, generation),
                SurplusLifetime,
                SurplusLifetime);
        }
    }

    private void StopDecay()
    {
        _timer?.Dispose();
        _timer = null;
        Volatile.Write(ref _idleSurplusBytes, long.MaxValue);
    }

    // The idle blocks of one size class, how many there are, and the fewest there were since the period began: that many
    // stayed idle all along.
    private sealed class SizeClassBlocks
    {
#pragma warning disable SA1401 // fields: updated with Interlocked
        public readonly ConcurrentBag<IntPtr> Bag = [];
        public int Count;
        public int IdleLow;
#pragma warning restore SA1401
    }
}
