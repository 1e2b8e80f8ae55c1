using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class DiskImageCacheExpiryTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task GetAsync_LastAccessBasis_ReadingKeepsAnEntryAlive()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time);
        await cache.SetAsync("read", Bytes(10, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("unread", Bytes(10, 2), null, TestContext.CancellationToken);

        time.Advance(TimeSpan.FromDays(5));
        Assert.IsNotNull(await cache.GetAsync("read", TestContext.CancellationToken));
        time.Advance(TimeSpan.FromDays(3));

        Assert.IsNotNull(await cache.GetAsync("read", TestContext.CancellationToken), "read 3 days ago");
        Assert.IsFalse(await cache.ContainsAsync("unread", TestContext.CancellationToken));
        Assert.IsNull(await cache.GetAsync("unread", TestContext.CancellationToken), "untouched for 8 days");
        Assert.IsFalse(File.Exists(BlobPath(folder.Path, "unread")), "an expired entry is removed when met");
        Assert.AreEqual(1, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
    }

    [TestMethod]
    public async Task GetAsync_StoredBasis_ReadingDoesNotExtendButUpdateMetadataDoes()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time, o => o.ExpiryBasis = DiskCacheExpiryBasis.Stored);
        await cache.SetAsync("read", Bytes(10, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("revalidated", Bytes(10, 2), new DiskCacheMetadata { ETag = "old" }, TestContext.CancellationToken);

        time.Advance(TimeSpan.FromDays(6));
        Assert.IsNotNull(await cache.GetAsync("read", TestContext.CancellationToken));
        Assert.IsTrue(await cache.UpdateMetadataAsync("revalidated", new DiskCacheMetadata { ETag = "new" }, TestContext.CancellationToken));
        Assert.IsFalse(await cache.UpdateMetadataAsync("absent", new DiskCacheMetadata(), TestContext.CancellationToken));
        time.Advance(TimeSpan.FromDays(2));

        Assert.IsNull(await cache.GetAsync("read", TestContext.CancellationToken), "stored 8 days ago");
        var entry = await cache.GetAsync("revalidated", TestContext.CancellationToken);
        Assert.AreEqual("new", entry?.Metadata.ETag);
        Assert.AreEqual(time.GetUtcNow() - TimeSpan.FromDays(2), entry!.StoredAt);
    }

    [TestMethod]
    public async Task GetAsync_MaxAgeZero_NeverExpires()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time, o => o.MaxAge = TimeSpan.Zero);
        await cache.SetAsync("k", Bytes(10, 1), null, TestContext.CancellationToken);
        time.Advance(TimeSpan.FromDays(3650));
        Assert.IsNotNull(await cache.GetAsync("k", TestContext.CancellationToken));
        Assert.AreEqual(0, (await cache.TrimAsync(cancellationToken: TestContext.CancellationToken)).ExpiredRemoved);
    }

    [TestMethod]
    public async Task TrimAsync_MaxAge_RemovesOnlyEntriesOlderThanIt()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time);
        for (var i = 0; i < 10; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(100, i), null, TestContext.CancellationToken);
            time.Advance(TimeSpan.FromDays(1));
        }

        // Now k0 was written 10 days ago and k9 one day ago.
        var result = await cache.TrimAsync(maxAge: TimeSpan.FromDays(4.5), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(new DiskCacheTrimResult(6, 0, 600), result);
        for (var i = 0; i < 10; i++)
        {
            Assert.AreEqual(i >= 6, await cache.ContainsAsync($"k{i}", TestContext.CancellationToken), $"k{i}");
        }
    }

    [TestMethod]
    public async Task TrimAsync_OverSizeLimit_RemovesLeastRecentlyUsedDownToTargetFraction()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time, o => o.MaxInlineBytes = 0);
        for (var i = 0; i < 10; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(1000, i), null, TestContext.CancellationToken);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        // Reading k0 and k1 makes them the most recently used.
        await cache.GetAsync("k0", TestContext.CancellationToken);
        time.Advance(TimeSpan.FromMinutes(1));
        await cache.GetAsync("k1", TestContext.CancellationToken);

        var result = await cache.TrimAsync(maxSizeBytes: 5000, cancellationToken: TestContext.CancellationToken);

        // Target 0.8 × 5000 = 4000 bytes: the six least recently used (k2…k7) go.
        Assert.AreEqual(new DiskCacheTrimResult(0, 6, 6000), result);
        string[] kept = ["k0", "k1", "k8", "k9"];
        for (var i = 0; i < 10; i++)
        {
            Assert.AreEqual(kept.Contains($"k{i}"), await cache.ContainsAsync($"k{i}", TestContext.CancellationToken), $"k{i}");
        }

        Assert.AreEqual(4000, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).TotalBytes);
        Assert.HasCount(4, BlobFiles(folder.Path));
    }

    [TestMethod]
    public async Task TrimAsync_UnderSizeLimit_RemovesNothing()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.SetAsync("k", Bytes(1000, 1), null, TestContext.CancellationToken);
        Assert.AreEqual(new DiskCacheTrimResult(0, 0, 0), await cache.TrimAsync(maxSizeBytes: 1000, cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task SetAsync_WithSizeLimit_TrimsOnWriteKeepingTheNewest()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time, o => o.MaxSizeBytes = 5000);
        for (var i = 0; i < 6; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(1000, i), null, TestContext.CancellationToken);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // The sixth write went over 5000 bytes, so the cache came down to 4000: k2…k5.
        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(4, stats.EntryCount);
        Assert.AreEqual(4000, stats.TotalBytes);
        Assert.IsFalse(await cache.ContainsAsync("k1", TestContext.CancellationToken));
        Assert.IsTrue(await cache.ContainsAsync("k5", TestContext.CancellationToken));

        await cache.SetAsync("huge", Bytes(6000, 9), null, TestContext.CancellationToken);
        Assert.IsFalse(await cache.ContainsAsync("huge", TestContext.CancellationToken), "larger than the limit: not stored");
    }

    [TestMethod]
    public void Options_OutOfRange_Throw()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DiskImageCache(new DiskImageCacheOptions { Directory = "x", MaxSizeBytes = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DiskImageCache(new DiskImageCacheOptions { Directory = "x", TrimTargetFraction = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DiskImageCache(new DiskImageCacheOptions { Directory = "x", MaxAge = TimeSpan.FromDays(-1) }));
        Assert.ThrowsExactly<ArgumentException>(() => new DiskImageCache(new DiskImageCacheOptions { Directory = " " }));
    }
}
