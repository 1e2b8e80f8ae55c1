using ImageKit.Animation;
using ImageKit.Display;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

[TestClass]
public sealed class ImageLeaseTests
{
    [TestMethod]
    public void Dispose_WithoutLeases_ReleasesTheSourceOnce()
    {
        var (image, source) = CountingSource.Create();
        image.Dispose();
        image.Dispose();
        Assert.AreEqual(1, source.Disposals);
        Assert.IsTrue(image.IsDisposed);
        Assert.ThrowsExactly<ObjectDisposedException>(() => image.AcquireLease());
    }

    [TestMethod]
    public void Dispose_WhileLeased_KeepsTheImageUsableUntilTheLastLeaseIsDisposed()
    {
        var (image, source) = CountingSource.Create();
        var first = image.AcquireLease();
        var second = first.Share();
        image.Dispose();
        Assert.IsFalse(image.IsDisposed);
        using (var frame = image.GetFrame(1))
        {
            Assert.AreEqual(2, frame.Pixels[0]);
        }

        first.Dispose();
        first.Dispose(); // idempotent: must not release the second lease's share
        Assert.AreEqual(0, source.Disposals);
        second.Dispose();
        Assert.AreEqual(1, source.Disposals);
        Assert.IsTrue(image.IsDisposed);
        Assert.ThrowsExactly<ObjectDisposedException>(() => image.GetFrame(0));
    }

    [TestMethod]
    public void AcquireLease_FromManyThreads_ReleasesExactlyOnceAtTheEnd()
    {
        var (image, source) = CountingSource.Create();
        Parallel.For(0, 10_000, _ =>
        {
            using var lease = image.AcquireLease();
            Assert.IsFalse(lease.Image.IsDisposed);
        });
        Assert.AreEqual(0, source.Disposals);
        image.Dispose();
        Assert.AreEqual(1, source.Disposals);
    }

    [TestMethod]
    public void Player_ImageDisposedByItsCreatorWhilePlaying_KeepsPlayingAndReleasesItOnDispose()
    {
        var (image, source) = CountingSource.Create(frameCount: 4);
        var player = new AnimatedImagePlayer(image, new AnimatedImagePlayerOptions { DisplayLinkProvider = new ManualDisplayLinkProvider(TimeProvider.System) });
        image.Dispose();
        Assert.IsFalse(image.IsDisposed, "the player's lease keeps the image");
        using (var frame = player.Image.GetFrame(3))
        {
            Assert.AreEqual(4, frame.Pixels[0]);
        }

        player.Dispose();
        Assert.AreEqual(1, source.Disposals);
    }
}
