using System.Runtime.InteropServices;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// The native heap behind pixel buffers: <see cref="NativeMemory.Alloc(nuint)"/> blocks, counted, with a coarse safety net
/// that asks the garbage collector to run when the blocks alive grow far beyond what was alive before, so buffers whose
/// owners were dropped without being released (and are freed only by their finalizers) cannot pile up unseen.
/// </summary>
/// <remarks>
/// <para>
/// Frames used to live in pinned managed arrays. Decoded frames are large and long-lived (a memory cache keeps them), and
/// pinned arrays are only reclaimed by full (generation 2) collections, which they also trigger: a cold load of 1,000
/// images touched five times as many fresh pages per image as <c>malloc</c> memory, which the C heap hands back at once
/// when a frame is released, and cost about 10 % more per decode (<c>decode-keep</c> benchmark).
/// </para>
/// <para>
/// The safety net is deliberately not <see cref="GC.AddMemoryPressure(long)"/>: that induces a full collection whenever
/// allocations outrun releases, which is exactly what a burst of cold loads does, while every buffer in it is still owned.
/// Here a background full collection is requested only when the bytes alive exceed twice what they were at the last
/// request (and at least <see cref="MinimumCollectThreshold"/>), or when as many bytes as are alive (at least
/// <see cref="ChurnCollectBytes"/>) have been allocated since the last full collection. The second rule keeps full
/// collections coming under steady churn, as they did when pixels were managed arrays: they run the finalizers of
/// forgotten buffers, and the memory cache checks the system's memory load after each one
/// (<see cref="Caching.MemoryImageCacheOptions.TrimOnMemoryPressure"/>).
/// </para>
/// </remarks>
internal static unsafe class PixelMemory
{
    /// <summary>The bytes alive below which no collection is ever requested.</summary>
    internal const long MinimumCollectThreshold = 512L * 1024 * 1024;

    /// <summary>The bytes allocated since the last full collection below which churn never requests one.</summary>
    internal const long ChurnCollectBytes = 256L * 1024 * 1024;

    // Keeps the full-collection callback registered for the life of the process (it holds its target weakly).
    private static readonly object s_collectionListener = new();

    private static long s_allocatedBytes;
    private static long s_collectAbove = MinimumCollectThreshold;
    private static long s_collectionsRequested;
    private static long s_allocatedSinceFullCollection;

    static PixelMemory() => Caching.Internal.Gen2GcCallback.Register(
        static _ =>
        {
            Interlocked.Exchange(ref s_allocatedSinceFullCollection, 0);
            return true;
        },
        s_collectionListener);

    /// <summary>The bytes in native pixel blocks currently allocated (in use or idle in a pool).</summary>
    public static long AllocatedBytes => Interlocked.Read(ref s_allocatedBytes);

    /// <summary>How many times the safety net has asked for a collection (diagnostics and tests).</summary>
    internal static long CollectionsRequested => Interlocked.Read(ref s_collectionsRequested);

    /// <summary>The bytes alive above which the next allocation requests a collection.</summary>
    internal static long CollectThreshold => Volatile.Read(ref s_collectAbove);

    /// <summary>Allocates <paramref name="bytes"/> bytes of uninitialised native memory.</summary>
    /// <exception cref="OutOfMemoryException">The C heap could not provide them.</exception>
    public static IntPtr Allocate(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var pointer = (IntPtr)NativeMemory.Alloc((nuint)Math.Max(bytes, 1));
        var total = Interlocked.Add(ref s_allocatedBytes, bytes);
        var threshold = Volatile.Read(ref s_collectAbove);
        var churn = Interlocked.Add(ref s_allocatedSinceFullCollection, bytes);
        if (total > threshold && Interlocked.CompareExchange(ref s_collectAbove, total * 2, threshold) == threshold)
        {
            RequestCollection();
        }
        else if (churn >= Math.Max(ChurnCollectBytes, total)
            && Interlocked.CompareExchange(ref s_allocatedSinceFullCollection, 0, churn) == churn)
        {
            RequestCollection();
        }

        return pointer;
    }

    private static void RequestCollection()
    {
        Interlocked.Exchange(ref s_allocatedSinceFullCollection, 0); // one request covers the churn so far too
        Interlocked.Increment(ref s_collectionsRequested);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
    }

    /// <summary>Frees a block from <see cref="Allocate"/> of <paramref name="bytes"/> bytes. Exactly once per block.</summary>
    public static void Free(IntPtr pointer, int bytes)
    {
        NativeMemory.Free((void*)pointer);
        var total = Interlocked.Add(ref s_allocatedBytes, -bytes);

        // After a large working set is released, let the net tighten again (never below the minimum).
        var threshold = Volatile.Read(ref s_collectAbove);
        if (threshold > MinimumCollectThreshold && total < threshold / 4)
        {
            Interlocked.CompareExchange(ref s_collectAbove, Math.Max(MinimumCollectThreshold, total * 2), threshold);
        }
    }
}
