using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Testing;
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

    /// <summary>
    /// The trim that keeps the size limit after a write runs once the entry is committed; when it failed (a busy or
    /// failing index), <see cref="DiskImageCache.SetAsync"/> threw <see cref="DiskCacheException"/> for a write that had
    /// happened: a manager waiting for its store then failed the load, and counted a failed store, for bytes on disk.
    /// </summary>
    [TestMethod]
    public async Task SetAsync_WhoseSizeTrimFailsAfterTheEntryIsCommitted_SucceedsLogsAndTheNextWriteTrims()
    {
        using var folder = new TempFolder();
        var state = 0; // 1: let the next commit (the write's) through, then fail the following ones (the trim's)
        using var cache = Open(folder.Path, configure: o =>
        {
            o.MaxSizeBytes = 1000;
            o.BeforeIndexCommit = _ =>
            {
                if (Interlocked.CompareExchange(ref state, 2, 1) == 2 || Volatile.Read(ref state) == 3)
                {
                    Volatile.Write(ref state, 3);
                    throw new SqliteException("injected: disk I/O error", 10);
                }
            };
        });
        await cache.OpeningSweep;
        var logs = new FakeLogCollector();
        cache.Logger = new FakeLogger(logs);
        await cache.SetAsync("a", Bytes(600, 1), null, TestContext.CancellationToken);

        Volatile.Write(ref state, 1);
        await cache.SetAsync("b", Bytes(600, 2), null, TestContext.CancellationToken);
        Assert.AreEqual(3, Volatile.Read(ref state), "the trim after the write failed");
        Volatile.Write(ref state, 0);

        CollectionAssert.AreEqual(Bytes(600, 2), (await cache.GetAsync("b", TestContext.CancellationToken))?.Data);
        Assert.AreEqual(1, logs.GetSnapshot().Count(r => r.Id.Id == 3007), "the failed trim is logged");
        await cache.SetAsync("c", Bytes(100, 3), null, TestContext.CancellationToken);
        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.IsLessThanOrEqualTo(1000L, stats.TotalBytes, "the next write keeps the limit");
        Assert.IsNotNull(await cache.GetAsync("c", TestContext.CancellationToken));
    }
}
