using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class MemoryImageCacheTests
{
    private static MemoryImageCache NewCache(long maxCost = 1_000, int maxCount = 0, bool weak = true) =>
        new(new MemoryImageCacheOptions { MaxCost = maxCost, MaxCount = maxCount, UseWeakCache = weak, TrimOnMemoryPressure = false });

    private static AnimatedImage Store(MemoryImageCache cache, string key, long cost)
    {
        var (image, _) = CountingSource.Create();
        cache.Set(key, image, cost);
        image.Dispose(); // the cache's lease keeps it
        return image;
    }

    [TestMethod]
    public void Dispose_ThenLookupsAndStoresThrowAndCleanUpSeesAnEmptyCache()
    {
        var cache = NewCache();
        var kept = Store(cache, "a", 100);
        var (image, _) = CountingSource.Create();

        cache.Dispose();

        Assert.IsTrue(kept.IsDisposed, "the cache let go of what it held");
        Assert.Throws<ObjectDisposedException>(() => cache.TryGet("a", out _));
        Assert.Throws<ObjectDisposedException>(() => cache.Set("b", image));
        Assert.IsFalse(image.IsDisposed, "a refused store leaves the caller's image alone");
        Assert.IsFalse(cache.Contains("a"));
        Assert.IsFalse(cache.Remove("a"));
        cache.Clear();
        cache.Trim(0);
        cache.Dispose();
        image.Dispose();
    }

    [TestMethod]
    public void Set_OverCost_EvictsTheLeastRecentlyUsedFirst()
    {
        using var cache = NewCache(maxCost: 300, weak: false);
        Store(cache, "a", 100);
        Store(cache, "b", 100);
        Store(cache, "c", 100);
        Assert.IsTrue(cache.TryGet("a", out var lease)); // a becomes the most recent: b is now the oldest
        lease.Dispose();
        Store(cache, "d", 100);
        Assert.IsFalse(cache.Contains("b"));
        Assert.IsTrue(cache.Contains("a") && cache.Contains("c") && cache.Contains("d"));
        Assert.AreEqual(300, cache.TotalCost);
        Assert.AreEqual(3, cache.Count);
        Assert.AreEqual(1, cache.Statistics.Evictions);
    }

    [TestMethod]
    public void Set_OverCount_EvictsDownToTheCount()
    {
        using var cache = NewCache(maxCost: long.MaxValue, maxCount: 2, weak: false);
        Store(cache, "a", 1);
        Store(cache, "b", 1);
        Store(cache, "c", 1);
        Assert.AreEqual(2, cache.Count);
        Assert.IsFalse(cache.Contains("a"));
    }

    [TestMethod]
    public void Set_DefaultCost_ChargesTheImagesMemoryCost()
    {
        using var cache = NewCache(maxCost: long.MaxValue);
        var (image, _) = CountingSource.Create(frameCount: 5, width: 10, height: 10);
        cache.Set("k", image);
        Assert.AreEqual(image.MemoryCost, cache.TotalCost);
        Assert.AreEqual(3 * 10 * 10 * 4, image.MemoryCost, "three composited frames kept, no encoded bytes");
        image.Dispose();
    }

    [TestMethod]
    public void Set_SameKey_ReplacesAndReleasesTheOldImage()
    {
        using var cache = NewCache();
        var (first, firstSource) = CountingSource.Create();
        cache.Set("k", first, 10);
        first.Dispose();
        var (second, _) = CountingSource.Create();
        cache.Set("k", second, 20);
        Assert.AreEqual(1, firstSource.Disposals, "the replaced image had no other owner");
        Assert.AreEqual(20, cache.TotalCost);
        Assert.IsTrue(cache.TryGet("k", out var lease));
        Assert.AreSame(second, lease.Image);
        lease.Dispose();
        second.Dispose();
    }

    [TestMethod]
    public void Evict_ImageLeasedByAPlayer_IsNotReleasedAndFramesStillDecode()
    {
        using var cache = NewCache(maxCost: 100, weak: false);
        var (image, source) = CountingSource.Create(frameCount: 3);
        cache.Set("k", image, 100);
        image.Dispose();
        Assert.IsTrue(cache.TryGet("k", out var viewLease));
        Store(cache, "other", 100); // evicts k
        Assert.IsFalse(cache.Contains("k"));
        Assert.AreEqual(0, source.Disposals, "eviction never releases an image someone still owns");
        using (var frame = viewLease.Image.GetFrame(2))
        {
            Assert.AreEqual(3, frame.Pixels[0]);
        }

        viewLease.Dispose();
        Assert.AreEqual(1, source.Disposals, "the last owner releases it, once");
    }

    [TestMethod]
    public void Evict_UnusedImage_IsReleasedAtOnce()
    {
        using var cache = NewCache(maxCost: 100);
        var (image, source) = CountingSource.Create();
        cache.Set("k", image, 100);
        image.Dispose();
        Store(cache, "other", 100);
        Assert.AreEqual(1, source.Disposals);
        Assert.IsFalse(cache.TryGet("k", out _), "a released image is not revived from the weak table");
    }

    [TestMethod]
    public void TryGet_EvictedImageStillOwnedElsewhere_IsFoundThroughTheWeakTableAndHeldAgain()
    {
        using var cache = NewCache(maxCost: 100);
        var (image, source) = CountingSource.Create();
        cache.Set("k", image, 100);
        using var playing = image.AcquireLease(); // a view still shows it
        image.Dispose();
        Store(cache, "other", 100);
        Assert.IsFalse(cache.Statistics.Count == 2);

        Assert.IsTrue(cache.TryGet("k", out var lease));
        Assert.AreSame(image, lease.Image);
        lease.Dispose();
        var stats = cache.Statistics;
        Assert.AreEqual(1, stats.WeakHits);
        Assert.AreEqual(0, stats.Hits);
        Assert.IsTrue(cache.TryGet("k", out lease), "held strongly again after a weak hit");
        lease.Dispose();
        Assert.AreEqual(1, cache.Statistics.Hits);
        Assert.AreEqual(0, source.Disposals);
    }

    [TestMethod]
    public void TryGet_WeakCacheOff_MissesEvictedImages()
    {
        using var cache = NewCache(maxCost: 100, weak: false);
        var (image, _) = CountingSource.Create();
        cache.Set("k", image, 100);
        Store(cache, "other", 100);
        Assert.IsFalse(cache.TryGet("k", out _));
        Assert.AreEqual(1, cache.Statistics.Misses);
        image.Dispose();
    }

    [TestMethod]
    public void Trim_ToATarget_EvictsOldestUntilUnderIt()
    {
        using var cache = NewCache(maxCost: 1_000, weak: false);
        for (var i = 0; i < 10; i++)
        {
            Store(cache, $"k{i}", 100);
        }

        cache.Trim(250);
        Assert.AreEqual(200, cache.TotalCost);
        Assert.IsTrue(cache.Contains("k9") && cache.Contains("k8"));
        Assert.IsFalse(cache.Contains("k7"));
    }

    [TestMethod]
    public void OnFullCollection_HighMemoryLoad_TrimsToTheKeepFraction()
    {
        using var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = 1_000, MemoryPressureKeepFraction = 0.5, TrimOnMemoryPressure = false });
        for (var i = 0; i < 10; i++)
        {
            Store(cache, $"k{i}", 100);
        }

        Assert.IsTrue(cache.OnFullCollection(() => false));
        Assert.AreEqual(1_000, cache.TotalCost, "normal load: nothing trimmed");
        Assert.IsTrue(cache.OnFullCollection(() => true));
        Assert.IsTrue(Leaks.Eventually(() => cache.TotalCost == 500), $"trimmed to half; now {cache.TotalCost}");
    }

    [TestMethod]
    public void TrimOnMemoryPressure_CacheDropped_IsStillCollected()
    {
        var weak = CreateAndDrop();
        Assert.IsTrue(Leaks.CollectUntil(() => !weak.IsAlive), "the gen-2 callback holds the cache weakly");

        static WeakReference CreateAndDrop()
        {
            var cache = new MemoryImageCache(new MemoryImageCacheOptions { TrimOnMemoryPressure = true });
            return new WeakReference(cache);
        }
    }

    [TestMethod]
    public void Clear_ReleasesEveryImageAndEmptiesTheWeakTable()
    {
        using var cache = NewCache(maxCost: 200);
        var sources = new List<CountingSource>();
        for (var i = 0; i < 5; i++)
        {
            var (image, source) = CountingSource.Create();
            cache.Set($"k{i}", image, 100);
            image.Dispose();
            sources.Add(source);
        }

        cache.Clear();
        Assert.AreEqual(0, cache.Count);
        Assert.AreEqual(0, cache.TotalCost);
        Assert.IsTrue(sources.All(s => s.Disposals == 1));
    }

    [TestMethod]
    public void TryGet_MostRecentHitRepeatedly_KeepsLruOrderAndCountsEveryHit()
    {
        using var cache = NewCache(maxCost: 300, weak: false);
        Store(cache, "a", 100);
        Store(cache, "b", 100);
        Assert.IsTrue(cache.TryGet("a", out var first)); // a moves to the front
        first.Dispose();
        for (var i = 0; i < 3; i++)
        {
            Assert.IsTrue(cache.TryGet("a", out var again)); // already the most recent
            again.Dispose();
        }

        Store(cache, "c", 100);
        Store(cache, "d", 100); // evicts b, the least recently used
        Assert.IsFalse(cache.Contains("b"));
        Assert.IsTrue(cache.Contains("a"));
        Assert.AreEqual(4, cache.Statistics.Hits);
    }

    [TestMethod]
    public void Remove_StoredKey_MissesAfterwardsAndReleasesTheImage()
    {
        using var cache = NewCache();
        var (image, source) = CountingSource.Create();
        cache.Set("k", image, 10);
        image.Dispose();
        Assert.IsTrue(cache.Remove("k"));
        Assert.AreEqual(1, source.Disposals);
        Assert.IsFalse(cache.TryGet("k", out _));
        Assert.IsFalse(cache.Remove("k"));
        Assert.AreEqual(1, cache.Statistics.Misses);
        Assert.AreEqual(0, cache.TotalCost);
    }

    [TestMethod]
    public void Set_ReleasedImage_Throws()
    {
        using var cache = NewCache();
        var (image, _) = CountingSource.Create();
        image.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => cache.Set("k", image));
        Assert.AreEqual(0, cache.Count);
    }

    [TestMethod]
    public void Dispose_ReleasesEverythingAndRefusesUse()
    {
        var cache = NewCache();
        var (image, source) = CountingSource.Create();
        cache.Set("k", image, 10);
        image.Dispose();
        cache.Dispose();
        cache.Dispose();
        Assert.AreEqual(1, source.Disposals);
        Assert.ThrowsExactly<ObjectDisposedException>(() => cache.TryGet("k", out _));
    }
}
