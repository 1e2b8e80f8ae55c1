using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// An image that costs more than the whole cache may hold cannot be held strongly: storing or reviving one must not throw
/// every other image out on its way (it was evicted last, after all of them, leaving the cache empty).
/// </summary>
[TestClass]
public sealed class MemoryImageCacheOverLimitTests
{
    private static MemoryImageCache NewCache(bool weak = true) =>
        new(new MemoryImageCacheOptions { MaxCost = 300, UseWeakCache = weak, TrimOnMemoryPressure = false });

    private static void Store(MemoryImageCache cache, string key, long cost)
    {
        var (image, _) = CountingSource.Create();
        cache.Set(key, image, cost);
        image.Dispose(); // the cache's lease keeps it
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Set_ImageCostingMoreThanMaxCost_KeepsTheOthersAndIsNotHeldStrongly(bool weak)
    {
        using var cache = NewCache(weak);
        Store(cache, "a", 100);
        Store(cache, "b", 100);
        var (big, _) = CountingSource.Create();

        cache.Set("big", big, cost: 301);

        Assert.IsTrue(cache.Contains("a") && cache.Contains("b"), "the images that fit stay");
        Assert.AreEqual(2, cache.Count);
        Assert.AreEqual(200, cache.TotalCost);
        Assert.AreEqual(0, cache.Statistics.Evictions, "nothing that fit was evicted");
        Assert.AreEqual(weak, cache.TryGet("big", out var lease), "found through the weak table only, while its owner holds it");
        lease?.Dispose();
        big.Dispose();
        Assert.IsTrue(big.IsDisposed, "the cache held no lease of its own on it");
        Assert.IsFalse(cache.Contains("big"));
    }

    [TestMethod]
    public void Set_OverLimitImageUnderAKeyHeld_ReplacesTheOldEntry()
    {
        using var cache = NewCache();
        Store(cache, "a", 100);
        Store(cache, "k", 100);
        var (big, _) = CountingSource.Create();

        cache.Set("k", big, cost: 1_000);

        Assert.IsTrue(cache.TryGet("k", out var lease), "the new image, through the weak table");
        Assert.AreSame(big, lease.Image, "never the image it replaced");
        lease.Dispose();
        Assert.IsTrue(cache.Contains("a"));
        Assert.AreEqual(100, cache.TotalCost, "the replaced entry's cost is gone with it");
        big.Dispose();
    }

    [TestMethod]
    public void TryGet_WeakHitOnAnImageCostingMoreThanMaxCost_KeepsTheOthers()
    {
        using var cache = NewCache();
        var (big, _) = CountingSource.Create();
        cache.Set("big", big, cost: 301);
        Store(cache, "a", 100);
        Store(cache, "b", 100);

        Assert.IsTrue(cache.TryGet("big", out var lease), "a weak hit while its owner holds it");
        Assert.IsTrue(cache.TryGet("big", out var again), "and again: it stays in the weak table");
        lease.Dispose();
        again.Dispose();

        Assert.IsTrue(cache.Contains("a") && cache.Contains("b"), "the images that fit stay");
        Assert.AreEqual(200, cache.TotalCost);
        Assert.AreEqual(2, cache.Statistics.WeakHits);
        Assert.AreEqual(0, cache.Statistics.Evictions);
        big.Dispose();
    }
}
