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

    [TestMethod]
    public void Set_ManyEvictedImagesReleased_TheWeakTableDoesNotGrowWithThem()
    {
        // Every eviction leaves a weak entry (a GC handle) in case someone else still owns the image. In an app that runs
        // for days and loads thousands of distinct images, entries whose images are gone must not pile up.
        using var cache = NewCache(maxCost: 100);
        var sources = new List<CountingSource>();
        for (var i = 0; i < 1_000; i++)
        {
            var (image, source) = CountingSource.Create();
            sources.Add(source);
            cache.Set($"k{i}", image, 100); // evicts the one before, which nobody else owns: released at once
            image.Dispose();
        }

        Assert.AreEqual(999, sources.Take(999).Count(s => s.Disposals == 1), "every evicted image was released");
        Assert.IsLessThanOrEqualTo(65, cache.WeakEntryCount, "entries of released images are pruned");
        Assert.IsTrue(cache.Contains("k999"));
    }

    [TestMethod]
    public void Clear_AfterTheWeakTableHeldManyLiveImages_EntriesOfReleasedImagesAreStillPruned()
    {
        // Many evicted images owned elsewhere: the table holds them all, and its next prune waits until it has doubled.
        using var cache = NewCache(maxCost: 100);
        var owned = new List<AnimatedImage>();
        for (var i = 0; i < 1_000; i++)
        {
            var (image, _) = CountingSource.Create();
            owned.Add(image);
            cache.Set($"owned{i}", image, 100);
        }

        Assert.IsGreaterThan(900, cache.WeakEntryCount, "the evicted images are still owned: their entries stay");
        cache.Clear();
        foreach (var image in owned)
        {
            image.Dispose();
        }

        // After the clear, the table is empty: entries of released images are pruned as in a new cache.
        for (var i = 0; i < 1_000; i++)
        {
            var (image, _) = CountingSource.Create();
            cache.Set($"k{i}", image, 100);
            image.Dispose(); // its only owner is the cache: released when evicted, its weak entry dead
        }

        Assert.IsLessThanOrEqualTo(65, cache.WeakEntryCount, "entries of released images are pruned after a clear too");
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(100L)]
    public void Set_ManyReleasedImagesTooCostlyToHoldStrongly_TheWeakTableDoesNotGrowWithThem(long maxCost)
    {
        // An image that does not fit goes straight to the weak table (with MaxCost 0, every image does). Those entries
        // must be pruned like the ones evictions leave, or a cache that holds nothing strongly grows with every store.
        using var cache = NewCache(maxCost);
        for (var i = 0; i < 1_000; i++)
        {
            var (image, _) = CountingSource.Create();
            cache.Set($"k{i}", image, 101);
            image.Dispose(); // its only owner: released, its weak entry dead
        }

        Assert.IsLessThanOrEqualTo(65, cache.WeakEntryCount, "entries of released images are pruned");
        Assert.AreEqual(0, cache.Count);
    }
}
