using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>Costs and limits the memory cache accepts by type but that make no sense.</summary>
[TestClass]
public sealed class MemoryImageCacheHostileArgumentTests
{
    [TestMethod]
    public void Set_CostsSummingPastLongMaxValue_EvictsInsteadOfWrappingTheTotal()
    {
        using var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = long.MaxValue, UseWeakCache = false });
        using var image = TestAnimation.Image(1);

        cache.Set("a", image, long.MaxValue);
        cache.Set("b", image, 1);

        // The running total wraps to long.MinValue today: nothing is evicted and the cache reports a negative cost.
        Assert.IsGreaterThanOrEqualTo(0L, cache.TotalCost, $"TotalCost {cache.TotalCost}");
        Assert.AreEqual(1, cache.Count, "the least recently used entry is evicted to stay within MaxCost");
    }
}
