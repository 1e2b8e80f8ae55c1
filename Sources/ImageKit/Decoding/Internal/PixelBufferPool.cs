using System.Collections.Concurrent;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Reuses pinned pixel arrays, so sequential playback does not allocate a large object for every frame and a decode after
/// an eviction reuses the evicted frame's memory. Bounded in bytes; arrays beyond the bound are left to the garbage
/// collector.
/// </summary>
/// <remarks>
/// <para>
/// Arrays come in size classes sixteen to each power of two, so a buffer of any length in a class can reuse any array of
/// it, at the price of at most 1/16 (6.25 %) unused bytes per array. With exact lengths only, images of different sizes
/// never reused each other's arrays: every decode touched fresh memory, which cost 10–15 % of a JPEG or WebP decode
/// (page faults, and collections triggered by pinned allocations; `decode-compare` benchmark).
/// </para>
/// <para>
/// Written here rather than taken from <see cref="System.Buffers.ArrayPool{T}"/> because frames need pinned arrays, the
/// shared array pool neither pins nor bounds bytes, and its power-of-two classes would waste up to half of a large frame.
/// </para>
/// </remarks>
internal sealed class PixelBufferPool
{
    private readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> _arrays = new();
    private long _pooledBytes;

    public PixelBufferPool(long maxPooledBytes) => MaxPooledBytes = maxPooledBytes;

    /// <summary>The pool every image uses: up to 64 MiB of idle arrays.</summary>
    public static PixelBufferPool Shared { get; } = new(64L * 1024 * 1024);

    public long MaxPooledBytes { get; }

    /// <summary>The bytes currently idle in the pool.</summary>
    public long PooledBytes => Interlocked.Read(ref _pooledBytes);

    /// <summary>
    /// Rents a buffer of exactly <paramref name="length"/> bytes (backed by an array of its size class) with one reference
    /// held by the caller. Its contents are undefined.
    /// </summary>
    public PixelBuffer Rent(int length)
    {
        var capacity = SizeClass(length);
        if (_arrays.TryGetValue(capacity, out var bag) && bag.TryTake(out var array))
        {
            Interlocked.Add(ref _pooledBytes, -array.Length);
            return new PixelBuffer(array, length, this);
        }

        return new PixelBuffer(GC.AllocateUninitializedArray<byte>(capacity, pinned: true), length, this);
    }

    /// <summary>The array length used for buffers of <paramref name="length"/> bytes: rounded up to a sixteenth of its power of two.</summary>
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

    internal void Return(byte[] array)
    {
        if (Interlocked.Add(ref _pooledBytes, array.Length) > MaxPooledBytes)
        {
            Interlocked.Add(ref _pooledBytes, -array.Length);
            return;
        }

        _arrays.GetOrAdd(array.Length, static _ => []).Add(array);
    }

    /// <summary>Drops every idle array (memory pressure).</summary>
    public void Trim()
    {
        foreach (var bag in _arrays.Values)
        {
            while (bag.TryTake(out var array))
            {
                Interlocked.Add(ref _pooledBytes, -array.Length);
            }
        }
    }
}
