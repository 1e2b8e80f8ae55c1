using ImageKit.Decoding.Internal;

namespace ImageKit.Tests.Decoding;

[TestClass]
public sealed class PixelBufferPoolTests
{
    [TestMethod]
    [DataRow(0)]
    [DataRow(4096)]
    [DataRow(4097)]
    [DataRow(160 * 120 * 4)]
    [DataRow(559 * 373 * 4)]
    [DataRow(4000 * 3000 * 4)]
    public void SizeClass_AnyLength_IsAtLeastTheLengthAndAtMostASixteenthMore(int length)
    {
        var capacity = PixelBufferPool.SizeClass(length);

        Assert.IsGreaterThanOrEqualTo(length, capacity);
        Assert.IsLessThanOrEqualTo(length + (length / 16) + 1, capacity);
    }

    [TestMethod]
    public void Rent_AfterABufferOfANearbyLengthWasReleased_ReusesItsArrayWithTheNewLength()
    {
        var pool = new PixelBufferPool(64L * 1024 * 1024);
        var first = pool.Rent(480 * 360 * 4);
        first.Span.Fill(7);
        first.Release();
        Assert.AreEqual(PixelBufferPool.SizeClass(480 * 360 * 4), pool.PooledBytes);

        var second = pool.Rent((480 * 360 * 4) - 1000);

        Assert.AreEqual(0, pool.PooledBytes, "the pooled array was taken");
        Assert.AreEqual((480 * 360 * 4) - 1000, second.Span.Length);
        Assert.AreEqual(7, second.Span[0], "the same memory came back (its contents are undefined, here the old ones)");
        second.Release();
    }

    [TestMethod]
    public void Rent_LengthsInDifferentClasses_DoNotShareArrays()
    {
        var pool = new PixelBufferPool(64L * 1024 * 1024);
        var small = pool.Rent(100_000);
        small.Release();

        var large = pool.Rent(200_000);

        Assert.AreEqual(PixelBufferPool.SizeClass(100_000), pool.PooledBytes, "the smaller array stays in the pool");
        large.Release();
    }
}
