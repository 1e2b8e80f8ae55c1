namespace ImageKit.Decoding.Internal;

/// <summary>
/// A reference-counted block of native pixel memory: the storage behind composited frames. Every holder (an
/// <see cref="ImageFrame"/> lease, an image's composited-frame cache, a player's frame buffer) owns exactly one
/// reference and releases it exactly once; the memory goes back to its pool (or to the C heap) when the last reference is
/// released, so a frame evicted from one holder is never freed under another.
/// </summary>
/// <remarks>
/// <para>
/// The memory comes from <see cref="PixelMemory"/> and has a fixed address for its whole life, so native decoders and
/// Core Graphics read and write it in place without pinning.
/// </para>
/// <para>
/// <b>Forgotten references.</b> A buffer that becomes unreachable without its last release is freed by its finalizer:
/// forgetting to dispose costs pool reuse and delays the memory's return, never loses it. The finalizer frees the block
/// rather than pooling it: it runs at an arbitrary time, and must not touch other finalizable objects (the pool's
/// <see cref="System.Collections.Concurrent.ConcurrentBag{T}"/>s use a <see cref="ThreadLocal{T}"/> that may already
/// have been finalized, which crashes the process).
/// </para>
/// <para>
/// <b>Spans.</b> <see cref="Span"/> points into native memory; it is valid only while the caller holds a reference
/// <i>and keeps that holder reachable</i> (a <see langword="using"/> scope, or <see cref="GC.KeepAlive(object)"/> after the
/// last use of the span). Every caller in this assembly does.
/// </para>
/// </remarks>
internal sealed unsafe class PixelBuffer
{
    private readonly PixelBufferPool? _pool;
    private IntPtr _memory;
    private int _references = 1;

    internal PixelBuffer(IntPtr memory, int capacity, int length, PixelBufferPool? pool)
    {
        _memory = memory;
        Capacity = capacity;
        Length = length;
        _pool = pool;
    }

    ~PixelBuffer()
    {
        var memory = Interlocked.Exchange(ref _memory, IntPtr.Zero);
        if (memory != IntPtr.Zero)
        {
            PixelMemory.Free(memory, Capacity);
            Interlocked.Increment(ref s_finalizedBuffers);
        }
    }

    private static long s_finalizedBuffers;
    private static long s_lastId;

    /// <summary>How many buffers were freed by their finalizer because nobody released them (tests and diagnostics).</summary>
    internal static long FinalizedBuffers => Interlocked.Read(ref s_finalizedBuffers);

    /// <summary>
    /// This buffer's number, unique for the process's life: what a <see cref="Animation.FrameBudget"/> charges pixels
    /// under, so that holders of the same pixels are charged once without anything keeping the buffer reachable.
    /// </summary>
    public long Id { get; } = Interlocked.Increment(ref s_lastId);

    /// <summary>The number of bytes in use.</summary>
    public int Length { get; }

    /// <summary>The bytes of the block behind <see cref="Length"/> (up to 1/16 more: see <see cref="PixelBufferPool"/>).</summary>
    public int Capacity { get; }

    /// <summary>Whether the last reference has been released.</summary>
    public bool IsReleased => Volatile.Read(ref _references) == 0;

    /// <summary>
    /// Whether exactly one reference exists. Only meaningful to the holder of that reference, and only where no other
    /// reference can be taken concurrently (the owning image's lock).
    /// </summary>
    public bool IsExclusive => Volatile.Read(ref _references) == 1;

    /// <summary>The pixels. Valid only while the caller holds a reference and keeps its holder reachable.</summary>
    public Span<byte> Span => new((void*)Address, Length);

    /// <summary>The address of the first pixel; fixed for the buffer's life. Valid only while the caller holds a reference.</summary>
    public IntPtr Address
    {
        get
        {
            var memory = Volatile.Read(ref _memory);
            ObjectDisposedException.ThrowIf(memory == IntPtr.Zero, this);
            return memory;
        }
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

    /// <summary>
    /// Takes one more reference unless the buffer has already been released (then <see langword="false"/>): for finding a
    /// buffer again through a reference that owns none.
    /// </summary>
    public bool TryAddReference()
    {
        var current = Volatile.Read(ref _references);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
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

        var memory = Interlocked.Exchange(ref _memory, IntPtr.Zero);
        if (memory == IntPtr.Zero)
        {
            return;
        }

#pragma warning disable CA1816 // Release is this type's Dispose: the last reference freed the memory, the finalizer has nothing left to do.
        GC.SuppressFinalize(this);
#pragma warning restore CA1816
        if (_pool is null)
        {
            PixelMemory.Free(memory, Capacity);
        }
        else
        {
            _pool.Return(memory, Capacity);
        }
    }
}
