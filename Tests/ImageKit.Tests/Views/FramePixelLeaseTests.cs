using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using ImageKit.Views;
using ImageKit.Views.Internal;

namespace ImageKit.Tests.Views;

// The lease counters are process-wide; this is the only class that creates leases, and its methods run one at a time.
[TestClass]
public sealed class FramePixelLeaseTests
{
    [TestMethod]
    public void For_BgraPremultipliedFrame_DescribesAPremultipliedFirstLittleEndianBitmap()
    {
        using var image = AnimatedImage.Load(Corpus.PathOf("animated-red-blue.gif"));
        using var frame = image.GetFrame(0);

        var layout = FrameBitmapLayout.For(frame);

        Assert.AreEqual(image.PixelWidth, layout.Width);
        Assert.AreEqual(image.PixelHeight, layout.Height);
        Assert.AreEqual(image.PixelWidth * 4, layout.BytesPerRow);
        Assert.AreEqual((long)image.PixelWidth * 4 * image.PixelHeight, layout.ByteCount);
        Assert.AreEqual(8, FrameBitmapLayout.BitsPerComponent);
        Assert.AreEqual(32, FrameBitmapLayout.BitsPerPixel);
        Assert.AreEqual(0x2002u, FrameBitmapLayout.BitmapInfo);
        Assert.AreEqual(2u, FrameBitmapLayout.AlphaPremultipliedFirst);
        Assert.AreEqual(0x2000u, FrameBitmapLayout.ByteOrder32Little);
    }

    [TestMethod]
    public unsafe void Create_Frame_AddressesTheFramePixelsInPlace()
    {
        using var image = AnimatedImage.Load(Corpus.PathOf("animated-red-blue.gif"));
        using var frame = image.GetFrame(0);
        using var lease = FramePixelLease.Create(frame);

        Assert.AreEqual(FrameBitmapLayout.For(frame), lease.Layout);
        Assert.AreEqual(frame.ByteCount, lease.ByteCount);
        fixed (byte* pixels = frame.Pixels)
        {
            Assert.AreEqual((IntPtr)pixels, lease.Address, "no copy: the lease points at the frame's own pixels");
        }
    }

    [TestMethod]
    public void Release_CalledTwice_ReleasesExactlyOnce()
    {
        var live = FramePixelLeaseCounters.Live;
        var extra = FramePixelLeaseCounters.ExtraReleases;
        using var image = TestAnimation.Image(2);
        using var frame = image.GetFrame(1);

        var lease = FramePixelLease.Create(frame);
        Assert.AreEqual(live + 1, FramePixelLeaseCounters.Live);

        Assert.IsTrue(lease.Release());
        Assert.IsFalse(lease.Release());
        lease.Dispose();

        Assert.IsTrue(lease.IsReleased);
        Assert.AreEqual(live, FramePixelLeaseCounters.Live);
        Assert.AreEqual(extra + 2, FramePixelLeaseCounters.ExtraReleases);
        Assert.ThrowsExactly<ObjectDisposedException>(() => lease.Address);
        Assert.IsFalse(frame.IsDisposed, "the caller's frame is its own");
    }

    [TestMethod]
    public void Release_FromManyThreadsAtOnce_OnlyOneCallReleases()
    {
        using var image = TestAnimation.Image(2);
        using var frame = image.GetFrame(0);
        for (var round = 0; round < 200; round++)
        {
            var lease = FramePixelLease.Create(frame);
            using var start = new Barrier(4);
            var wins = 0;
            var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                if (lease.Release())
                {
                    Interlocked.Increment(ref wins);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Assert.AreEqual(1, wins, $"round {round}");
        }
    }

    [TestMethod]
    public unsafe void Create_FrameAndImageDisposedAfterwards_PixelsStayValidUntilRelease()
    {
        var image = TestAnimation.Image(3);
        var frame = image.GetFrame(1);
        var lease = FramePixelLease.Create(frame);
        frame.Dispose();
        image.Dispose();

        // Churn the pool with same-size frames: had the pixels gone back to it, they would be overwritten with 2s.
        using (var other = TestAnimation.Image(3))
        {
            for (var i = 0; i < 20; i++)
            {
                using var churn = other.GetFrame(2);
            }
        }

        var pixels = new ReadOnlySpan<byte>((void*)lease.Address, checked((int)lease.ByteCount));
        Assert.AreEqual(8 * 8 * 4, pixels.Length);
        Assert.IsTrue(pixels.IndexOfAnyExcept((byte)1) < 0, "frame 1 is all 1s and must still be");
        Assert.IsTrue(lease.Release());
    }

    [TestMethod]
    public void Create_DisposedFrame_Throws()
    {
        using var image = TestAnimation.Image(2);
        var frame = image.GetFrame(0);
        frame.Dispose();
        var live = FramePixelLeaseCounters.Live;

        Assert.ThrowsExactly<ObjectDisposedException>(() => FramePixelLease.Create(frame));
        Assert.AreEqual(live, FramePixelLeaseCounters.Live);
    }

    [TestMethod]
    public unsafe void Create_LeaseDroppedWithoutRelease_KeepsItsPixelsUntilReleased()
    {
        using var image = TestAnimation.Image(2);
        image.TrimCache();
        var (weak, address, first) = CreateAndDropLease(image);

        // Native code may still read the pixels: a dropped lease must not be collected, nor its memory freed.
        Assert.IsFalse(Leaks.CollectUntil(() => !weak.IsAlive, within: TimeSpan.FromMilliseconds(50)), "the lease roots itself until Release");
        Assert.AreEqual(first, *(byte*)address, "the pixels are still there");

        ReleaseThrough(weak);
        Assert.IsTrue(Leaks.CollectUntil(() => !weak.IsAlive), "released, the lease is an ordinary object again");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ReleaseThrough(WeakReference weak) => Assert.IsTrue(((FramePixelLease)weak.Target!).Release());

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (WeakReference Lease, IntPtr Address, byte First) CreateAndDropLease(AnimatedImage image)
    {
        using var frame = image.GetFrame(1);
        var lease = FramePixelLease.Create(frame);
        return (new WeakReference(lease), lease.Address, frame.Pixels[0]);
    }
}
