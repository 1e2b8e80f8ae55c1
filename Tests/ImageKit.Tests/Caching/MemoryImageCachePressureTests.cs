using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class MemoryImageCachePressureTests
{
    [TestMethod]
    public void OnFullCollection_KeepFractionZero_EmptiesTheCacheEvenOfImagesChargedNothing()
    {
        // MemoryPressureKeepFraction: "0 empties it". An image stored with cost 0 weighs nothing in the total, so trimming
        // to a total of 0 left it (and every image charged 0) in the cache for good, however often memory ran short.
        using var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = 1_000, MemoryPressureKeepFraction = 0, TrimOnMemoryPressure = false });
        var (paid, _) = CountingSource.Create();
        cache.Set("paid", paid, cost: 100);
        paid.Dispose();
        var (free, freeSource) = CountingSource.Create();
        cache.Set("free", free, cost: 0); // the most recently used
        free.Dispose();

        Assert.IsTrue(cache.OnFullCollection(() => true));

        Assert.IsTrue(Leaks.Eventually(() => cache.Count == 0), $"emptied; {cache.Count} image(s) left");
        Assert.AreEqual(0, cache.TotalCost);
        Assert.AreEqual(2, cache.Statistics.Evictions);
        Assert.AreEqual(1, freeSource.Disposals, "the image charged nothing was released too");
    }

    [TestMethod]
    public void OnFullCollection_KeepFractionAboveZero_KeepsImagesChargedNothing()
    {
        using var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = 1_000, MemoryPressureKeepFraction = 0.5, TrimOnMemoryPressure = false });
        var (paid, _) = CountingSource.Create();
        cache.Set("paid", paid, cost: 100);
        paid.Dispose();
        var (free, _) = CountingSource.Create();
        cache.Set("free", free, cost: 0); // the most recently used
        free.Dispose();

        Assert.IsTrue(cache.OnFullCollection(() => true));

        Assert.IsTrue(Leaks.Eventually(() => cache.TotalCost == 0), "trimmed to half of 100");
        Assert.IsTrue(cache.Contains("free"), "a share of the cost is kept: what costs nothing may stay");
    }
}
