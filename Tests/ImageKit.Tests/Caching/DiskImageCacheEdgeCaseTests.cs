using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>Edges of <see cref="DiskImageCache"/>'s size limit: the trim on write, and stores deferred by a manager.</summary>
[TestClass]
public sealed class DiskImageCacheEdgeCaseTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SetAsync_OverTheLimitFromTheDeferredStoreOfItsOwnKey_CompletesAndRemovesTheOldEntry()
    {
        // What an ImageManager's background store does: it registers the store of the key, then runs it (StoreDeferredAsync
        // begins it and stores the bytes through SetAsync). Bytes over the size limit make SetAsync remove the key instead, and a removal waits for
        // the running stores of the key: this one, which waited for itself for ever.
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxSizeBytes = 1000);
        await cache.SetAsync("k", Bytes(500, 1), null, TestContext.CancellationToken);
        var big = Bytes(2000, 2);
        var store = cache.PendingStores.Register("k", big);

        var set = ImageCache.StoreDeferredAsync(store, () => cache.SetAsync("k", big, null, TestContext.CancellationToken));
        var finished = await Task.WhenAny(set, Task.Delay(TimeSpan.FromSeconds(30), TestContext.CancellationToken));

        Assert.AreSame(set, finished, "the store waited for itself");
        await set;
        Assert.IsNull(await cache.GetAsync("k", TestContext.CancellationToken), "the older entry is removed");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(100_000)]
    public async Task SetAsync_ReplacingAnEntrySoThatTheCacheGoesOverTheLimit_KeepsTheNewBytes(int maxInlineBytes)
    {
        // The clock does not move between the writes (a coarse clock, or several stores in one tick): the replaced entry
        // keeps its old row id, and the trim on write took the entry just written as the least recently used one.
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time, o => (o.MaxSizeBytes, o.MaxInlineBytes) = (5000, maxInlineBytes));
        await cache.SetAsync("a", Bytes(2000, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("b", Bytes(2000, 2), null, TestContext.CancellationToken);
        var replacement = Bytes(3500, 3);

        await cache.SetAsync("a", replacement, null, TestContext.CancellationToken);

        var entry = await cache.GetAsync("a", TestContext.CancellationToken);
        CollectionAssert.AreEqual(replacement, entry?.Data, "the entry just stored was trimmed away");
        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, stats.EntryCount);
        Assert.AreEqual(3500, stats.TotalBytes);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(100_000)]
    public async Task SetAsync_EntryLargerThanTheTrimTarget_IsKeptAndTheOlderOnesGo(int maxInlineBytes)
    {
        // Within the limit (5000) but over the trim target (4000): trimming down to the target took the older entry, then
        // the entry just written too, and a store that returned normally left an empty cache.
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time, o => (o.MaxSizeBytes, o.MaxInlineBytes) = (5000, maxInlineBytes));
        await cache.SetAsync("old", Bytes(1000, 1), null, TestContext.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1));
        var large = Bytes(4500, 2);

        await cache.SetAsync("large", large, null, TestContext.CancellationToken);

        CollectionAssert.AreEqual(large, (await cache.GetAsync("large", TestContext.CancellationToken))?.Data, "the entry just stored was trimmed away");
        Assert.IsFalse(await cache.ContainsAsync("old", TestContext.CancellationToken));
        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, stats.EntryCount);
        Assert.AreEqual(4500, stats.TotalBytes);
    }
}
