using System.Collections.Concurrent;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Reuses pinned pixel arrays of the sizes in use, so sequential playback does not allocate a large object for every
/// frame. Bounded in bytes; arrays beyond the bound are left to the garbage collector.
/// </summary>
/// <remarks>
/// Written here rather than taken from <see cref="System.Buffers.ArrayPool{T}"/> because frames need pinned arrays of an
/// exact length (a frame's memory accounting must be its real size) and the shared array pool neither pins nor bounds bytes.
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

    /// <summary>Rents a buffer of exactly <paramref name="length"/> bytes with one reference held by the caller. Its contents are undefined.</summary>
    public PixelBuffer Rent(int length)
    {
        if (_arrays.TryGetValue(length, out var bag) && bag.TryTake(out var array))
        {
            Interlocked.Add(ref _pooledBytes, -array.Length);
            return new PixelBuffer(array, length, this);
        }

        return new PixelBuffer(GC.AllocateUninitializedArray<byte>(length, pinned: true), length, this);
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
