using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// On one thread, hits recorded without the lock are applied before every eviction, so the order stays exactly
/// least-recently-used however many hits come between two stores.
/// </summary>
[TestClass]
public sealed class MemoryImageCacheHitOrderTests
{
    private const int Capacity = 8;

    [TestMethod]
    public void ManyHitsOnOneThread_EveryStoreEvictsTheExactLeastRecentlyUsed()
    {
        using var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = 1_000, MaxCount = Capacity, UseWeakCache = false, TrimOnMemoryPressure = false });
        var order = new List<string>(); // least recently used first
        var next = 0;
        for (var i = 0; i < Capacity; i++)
        {
            order.Add(Store(cache, next++));
        }

        var random = new Random(7);
        long hits = 0;
        for (var round = 0; round < 300; round++)
        {
            // From a few hits to several buffers' worth, so that some are applied when a buffer fills and the rest only
            // by the store.
            var count = random.Next(1, 100);
            for (var i = 0; i < count; i++)
            {
                var key = order[random.Next(order.Count)];
                Assert.IsTrue(cache.TryGet(key, out var lease));
                lease.Dispose();
                hits++;
                order.Remove(key);
                order.Add(key);
            }

            var victim = order[0];
            order.RemoveAt(0);
            order.Add(Store(cache, next++));
            Assert.IsFalse(cache.Contains(victim), $"round {round}: {victim} was the least recently used");
            Assert.IsTrue(order.All(cache.Contains), $"round {round}: only {victim} was evicted");
        }

        Assert.AreEqual(hits, cache.Statistics.Hits);
    }

    [TestMethod]
    public void ManyHitsOnOneThread_TrimKeepsTheMostRecentlyUsed()
    {
        using var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = 1_000, MaxCount = Capacity, UseWeakCache = false, TrimOnMemoryPressure = false });
        var order = new List<string>();
        for (var i = 0; i < Capacity; i++)
        {
            order.Add(Store(cache, i));
        }

        var random = new Random(11);
        for (var i = 0; i < 1_000 + random.Next(32); i++)
        {
            var key = order[random.Next(order.Count)];
            Assert.IsTrue(cache.TryGet(key, out var lease));
            lease.Dispose();
            order.Remove(key);
            order.Add(key);
        }

        cache.Trim(3 * 10);
        CollectionAssert.AreEquivalent(order[^3..], order.Where(cache.Contains).ToList());
    }

    private static string Store(MemoryImageCache cache, int index)
    {
        var key = $"k{index}";
        var (image, _) = CountingSource.Create(frameCount: 1, width: 2, height: 2);
        cache.Set(key, image, 10);
        image.Dispose();
        return key;
    }
}
