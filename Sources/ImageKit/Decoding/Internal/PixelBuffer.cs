using System.Runtime.InteropServices;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// A reference-counted block of pinned pixel memory: the storage behind composited frames. Every holder (an
/// <see cref="ImageFrame"/> lease, an image's composited-frame cache, later a player's frame buffer) owns exactly one
/// reference and releases it exactly once; the memory goes back to its pool when the last reference is released, so a
/// frame evicted from one holder is never freed under another.
/// </summary>
/// <remarks>
/// The array lives on the pinned object heap, so native decoders can write into it without a pinning handle, and a
/// buffer nobody releases is still reclaimed by the garbage collector: forgetting to dispose wastes pool reuse, never memory.
/// </remarks>
internal sealed class PixelBuffer
{
    private readonly PixelBufferPool? _pool;
    private byte[]? _array;
    private int _references = 1;

    internal PixelBuffer(byte[] array, int length, PixelBufferPool? pool)
    {
        _array = array;
        Length = length;
        _pool = pool;
    }

    /// <summary>The number of bytes in use (the array behind them may be up to 1/16 longer: see <see cref="PixelBufferPool"/>).</summary>
    public int Length { get; }

    /// <summary>Whether the last reference has been released.</summary>
    public bool IsReleased => Volatile.Read(ref _references) == 0;

    /// <summary>
    /// Whether exactly one reference exists. Only meaningful to the holder of that reference, and only where no other
    /// reference can be taken concurrently (the owning image's lock).
    /// </summary>
    public bool IsExclusive => Volatile.Read(ref _references) == 1;

    /// <summary>The pixels. Valid only while the caller holds a reference.</summary>
    public Span<byte> Span
    {
        get
        {
            var array = Volatile.Read(ref _array);
            ObjectDisposedException.ThrowIf(array is null, this);
            return array.AsSpan(0, Length);
        }
    }

    /// <summary>
    /// Pins the array with a handle the caller owns and frees. Pool arrays already live on the pinned object heap; the
    /// handle makes a stable address a guarantee rather than a property of where the array came from.
    /// Valid only while the caller holds a reference.
    /// </summary>
    public GCHandle Pin()
    {
        var array = Volatile.Read(ref _array);
        ObjectDisposedException.ThrowIf(array is null, this);
        return GCHandle.Alloc(array, GCHandleType.Pinned);
    }

    /// <summary>Takes one more reference. Throws when the buffer has already been released: a released buffer never comes back.</summary>
    public void AddReference()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(current == 0, this);
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>Gives back one reference; the last one returns the memory to the pool.</summary>
    public void Release()
    {
        var remaining = Interlocked.Decrement(ref _references);
        if (remaining > 0)
        {
            return;
        }

        if (remaining < 0)
        {
            throw new InvalidOperationException("A pixel buffer was released more times than it was referenced.");
        }

        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            _pool?.Return(array);
        }
    }
}
