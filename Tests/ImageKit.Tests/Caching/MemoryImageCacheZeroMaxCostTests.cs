using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// <see cref="MemoryImageCacheOptions.MaxCost"/> = 0 is documented to hold nothing strongly (only the weak table works).
/// An image stored with a cost of 0 fitted the limit of 0 and was held strongly for ever: nothing ever evicted it.
/// </summary>
[TestClass]
public sealed class MemoryImageCacheZeroMaxCostTests
{
    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    [DataRow(-1L)]
    public void Set_MaxCostZero_HoldsNothingStronglyWhateverTheCost(long cost)
    {
        using var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = 0, TrimOnMemoryPressure = false });
        var (image, _) = CountingSource.Create();

        cache.Set("k", image, cost);

        Assert.AreEqual(0, cache.Count, "a cache with MaxCost 0 holds nothing strongly");
        Assert.AreEqual(0, cache.TotalCost);
        Assert.IsTrue(cache.TryGet("k", out var lease), "found through the weak table while its creator owns it");
        Assert.AreSame(image, lease.Image);
        Assert.AreEqual(0, cache.Count, "a weak hit is not held strongly either");
        lease.Dispose();
        image.Dispose();
        Assert.IsTrue(image.IsDisposed, "the cache kept no share of its own");
        Assert.IsFalse(cache.Contains("k"));
    }
}
