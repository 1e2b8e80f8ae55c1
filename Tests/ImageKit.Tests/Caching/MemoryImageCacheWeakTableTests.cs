using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class MemoryImageCacheWeakTableTests
{
    private static MemoryImageCache NewCache(long maxCost) =>
        new(new MemoryImageCacheOptions { MaxCost = maxCost, TrimOnMemoryPressure = false });

    [TestMethod]
    public void Remove_EvictedImageAlreadyReleased_ReportsNothingRemoved()
    {
        using var cache = NewCache(maxCost: 100);
        var (image, source) = CountingSource.Create();
        cache.Set("k", image, 100);
        image.Dispose(); // the cache holds the only lease
        var (other, _) = CountingSource.Create();
        cache.Set("other", other, 100); // evicts k, which nobody else owns: released at once
        Assert.AreEqual(1, source.Disposals);
        Assert.IsFalse(cache.Contains("k"), "a released image is not in the cache");

        Assert.IsFalse(cache.Remove("k"), "nothing that Contains sees was removed");
        GC.KeepAlive(image); // the weak table's target is still alive, only released
        other.Dispose();
    }
}
