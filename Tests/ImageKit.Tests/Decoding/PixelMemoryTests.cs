using System.Runtime.CompilerServices;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Pixel memory is native: released blocks go back to the pool or the C heap at once, unreleased ones are freed by their
/// finalizer once nothing references them, and the safety net asks for a collection when the blocks alive balloon.
/// Runs alone: the counters are process-wide.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PixelMemoryTests
{
    private const int BlockBytes = 1024 * 1024;

    /// <summary>Starts from a quiet process (see <see cref="Leaks.SettlePixelMemory"/>).</summary>
    [TestInitialize]
    public void SettlePixelMemory() => Leaks.SettlePixelMemory();

    [TestMethod]
    public void Release_WhenThePoolIsFull_FreesTheNativeBlockAtOnce()
    {
        var pool = new PixelBufferPool(maxPooledBytes: 0);
        var before = PixelMemory.AllocatedBytes;

        var buffer = pool.Rent(BlockBytes);
        Assert.AreEqual(before + PixelBufferPool.SizeClass(BlockBytes), PixelMemory.AllocatedBytes);
        buffer.Span.Fill(0x5A); // the memory is really there and writable
        buffer.Release();

        Assert.AreEqual(before, PixelMemory.AllocatedBytes);
        Assert.AreEqual(0, pool.PooledBytes);
        Assert.ThrowsExactly<ObjectDisposedException>(() => _ = buffer.Address);
    }

    [TestMethod]
    public void Trim_FreesTheIdleBlocksThePoolKept()
    {
        var pool = new PixelBufferPool(maxPooledBytes: 16L * BlockBytes);
        var before = PixelMemory.AllocatedBytes;
        var buffers = Enumerable.Range(0, 4).Select(_ => pool.Rent(BlockBytes)).ToArray();
        foreach (var buffer in buffers)
        {
            buffer.Release();
        }

        Assert.AreEqual(4L * PixelBufferPool.SizeClass(BlockBytes), pool.PooledBytes, "released blocks wait in the pool");
        Assert.AreEqual(before + pool.PooledBytes, PixelMemory.AllocatedBytes);

        pool.Trim();

        Assert.AreEqual(0, pool.PooledBytes);
        Assert.AreEqual(before, PixelMemory.AllocatedBytes);
    }

    [TestMethod]
    public void UnreleasedBuffer_NobodyReferencesIt_IsFreedByItsFinalizer()
    {
        var pool = new PixelBufferPool(maxPooledBytes: 16L * BlockBytes);
        var before = PixelMemory.AllocatedBytes;
        var finalized = PixelBuffer.FinalizedBuffers;

        var weak = RentAndDrop(pool, 8);

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.Any(w => w.IsAlive)), "dropped buffers are collected");
        Assert.IsTrue(Leaks.CollectUntil(() => PixelBuffer.FinalizedBuffers >= finalized + 8), "each one's finalizer ran");
        Assert.AreEqual(before, PixelMemory.AllocatedBytes, "and freed its native block");
        Assert.AreEqual(0, pool.PooledBytes, "a finalizer frees the block instead of pooling it");
    }

    [TestMethod]
    public void UndisposedFramesAndImages_NobodyReferencesThem_FreeTheirPixels()
    {
        PixelBufferPool.Shared.Trim();
        var before = PixelMemory.AllocatedBytes;

        var weak = DecodeAndDropWithoutDisposing(Corpus.Read("animated-red-blue.gif"));

        Assert.IsTrue(Leaks.CollectUntil(() => !weak.IsAlive), "the image is collected");
        Assert.IsTrue(
            Leaks.CollectUntil(() => PixelMemory.AllocatedBytes == before),
            $"its frames' native pixels are freed ({PixelMemory.AllocatedBytes - before} bytes still allocated)");
    }

    [TestMethod]
    public void Allocate_FarBeyondTheMinimumThreshold_RequestsOneCollectionAndTheThresholdComesBackDown()
    {
        // Untouched malloc memory costs address space, not resident memory, so a huge block is cheap to test with.
        var pool = new PixelBufferPool(maxPooledBytes: 0);
        var requested = PixelMemory.CollectionsRequested;
        var bytes = checked((int)(PixelMemory.MinimumCollectThreshold + (64L * BlockBytes)));

        var huge = pool.Rent(bytes);

        Assert.AreEqual(requested + 1, PixelMemory.CollectionsRequested, "crossing the threshold asks for a collection");
        Assert.IsGreaterThan(PixelMemory.MinimumCollectThreshold, PixelMemory.CollectThreshold, "the next request waits for twice as much");

        var small = pool.Rent(BlockBytes);
        Assert.AreEqual(requested + 1, PixelMemory.CollectionsRequested, "allocations below the raised threshold do not ask again");
        small.Release();

        huge.Release();
        Assert.AreEqual(PixelMemory.MinimumCollectThreshold, PixelMemory.CollectThreshold, "releasing the large set tightens the net again");
    }

    [TestMethod]
    public void Allocate_SteadyChurnWithoutGrowth_RequestsFullCollections()
    {
        // Allocated and freed again at once, as frames of changing sizes do when the pool cannot reuse them: the bytes
        // alive never grow, but three times the churn threshold goes through. A full collection that happens on its own
        // resets the count, which can delay a request by one threshold, never prevent every one.
        var requested = PixelMemory.CollectionsRequested;
        var blocks = 3 * (int)(PixelMemory.ChurnCollectBytes / BlockBytes);
        for (var i = 0; i < blocks; i++)
        {
            PixelMemory.Free(PixelMemory.Allocate(BlockBytes), BlockBytes);
        }

        Assert.IsGreaterThan(requested, PixelMemory.CollectionsRequested, "churn asks for full collections");
    }

    [TestMethod]
    public void CopyPixelsTo_CopiesTheFrameAsItIs_AndRefusesAShortDestinationOrADisposedLease()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"));
        var frame = image.GetFrame(1);
        var copy = new byte[frame.ByteCount + 8];

        frame.CopyPixelsTo(copy);

        CollectionAssert.AreEqual(frame.Pixels.ToArray(), copy[..(int)frame.ByteCount]);
        Assert.ThrowsExactly<ArgumentException>(() => frame.CopyPixelsTo(new byte[frame.ByteCount - 1]));
        frame.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => frame.CopyPixelsTo(copy));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] RentAndDrop(PixelBufferPool pool, int count)
    {
        var weak = new WeakReference[count];
        for (var i = 0; i < count; i++)
        {
            var buffer = pool.Rent(BlockBytes);
            buffer.Span[0] = 1;
            weak[i] = new WeakReference(buffer);
        }

        return weak;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference DecodeAndDropWithoutDisposing(byte[] data)
    {
        var image = AnimatedImage.Decode(data);
        var first = image.GetFrame(0);
        var second = image.GetFrame(1);
        Assert.AreEqual(first.ByteCount, first.Pixels.Length);
        Assert.IsFalse(second.IsDisposed);
        return new WeakReference(image);
    }
}
