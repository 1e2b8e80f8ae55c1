using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class DiskImageCacheTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SetAsync_ThenGetAsync_ReturnsBytesMetadataAndTimes()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time);
        var data = Bytes(5000, 1);
        var metadata = new DiskCacheMetadata
        {
            ContentType = "image/gif",
            OriginalUrl = new Uri("https://example.com/a.gif?x=1"),
            ETag = "\"abc\"",
            LastModified = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)),
            ExtendedData = [1, 2, 3],
        };

        await cache.SetAsync("k", data, metadata, TestContext.CancellationToken);
        var entry = await cache.GetAsync("k", TestContext.CancellationToken);

        Assert.IsNotNull(entry);
        Assert.AreEqual("k", entry.Key);
        CollectionAssert.AreEqual(data, entry.Data);
        Assert.AreEqual("image/gif", entry.Metadata.ContentType);
        Assert.AreEqual(metadata.OriginalUrl, entry.Metadata.OriginalUrl);
        Assert.AreEqual("\"abc\"", entry.Metadata.ETag);
        Assert.AreEqual(metadata.LastModified, entry.Metadata.LastModified);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, entry.Metadata.ExtendedData);
        Assert.AreEqual(time.GetUtcNow(), entry.StoredAt);
        var fromMetadata = await cache.GetMetadataAsync("k", TestContext.CancellationToken);
        Assert.AreEqual("image/gif", fromMetadata?.ContentType);
    }

    [TestMethod]
    public async Task SetAsync_SameKeyTwice_SecondReplacesFirstAndTotalsFollow()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        await cache.SetAsync("k", Bytes(3000, 1), new DiskCacheMetadata { ETag = "1" }, TestContext.CancellationToken);
        var second = Bytes(1000, 2);
        await cache.SetAsync("k", second, null, TestContext.CancellationToken);

        var entry = await cache.GetAsync("k", TestContext.CancellationToken);
        CollectionAssert.AreEqual(second, entry?.Data);
        Assert.IsNull(entry!.Metadata.ETag, "metadata replaced with the bytes");
        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, stats.EntryCount);
        Assert.AreEqual(1000, stats.TotalBytes);
        Assert.HasCount(1, BlobFiles(folder.Path));
    }

    [TestMethod]
    public async Task RemoveAsync_Present_RemovesRowAndFile()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        await cache.SetAsync("k", Bytes(100, 1), null, TestContext.CancellationToken);

        Assert.IsTrue(await cache.RemoveAsync("k", TestContext.CancellationToken));
        Assert.IsFalse(await cache.RemoveAsync("k", TestContext.CancellationToken));
        Assert.IsNull(await cache.GetAsync("k", TestContext.CancellationToken));
        Assert.IsFalse(File.Exists(BlobPath(folder.Path, "k")));
        Assert.AreEqual(0, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
    }

    [TestMethod]
    public async Task ClearAsync_RemovesEverythingAndStaysUsable()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        for (var i = 0; i < 20; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(100 + i, i), null, TestContext.CancellationToken);
        }

        await cache.ClearAsync(TestContext.CancellationToken);

        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(0, stats.EntryCount);
        Assert.AreEqual(0, stats.TotalBytes);
        Assert.IsEmpty(BlobFiles(folder.Path));
        Assert.IsFalse(await cache.ContainsAsync("k3", TestContext.CancellationToken));
        Assert.IsEmpty(Directory.GetDirectories(folder.Path, "trash-*"));
        await cache.SetAsync("after", Bytes(10, 1), null, TestContext.CancellationToken);
        Assert.IsTrue(await cache.ContainsAsync("after", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task GetStatisticsAsync_CountsHitsMissesEntriesAndBytes()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.SetAsync("a", Bytes(100, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("b", Bytes(250, 2), null, TestContext.CancellationToken);

        await cache.GetAsync("a", TestContext.CancellationToken);
        await cache.GetAsync("a", TestContext.CancellationToken);
        await cache.GetAsync("b", TestContext.CancellationToken);
        await cache.GetAsync("nope", TestContext.CancellationToken);
        Assert.IsTrue(await cache.ContainsAsync("a", TestContext.CancellationToken));

        Assert.AreEqual(new DiskCacheStatistics(2, 350, 3, 1), await cache.GetStatisticsAsync(TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Reopen_KeepsEntriesAndTotals()
    {
        using var folder = new TempFolder();
        using (var cache = Open(folder.Path))
        {
            await cache.SetAsync("a", Bytes(100, 1), new DiskCacheMetadata { ContentType = "image/png" }, TestContext.CancellationToken);
        }

        using var reopened = Open(folder.Path);
        var entry = await reopened.GetAsync("a", TestContext.CancellationToken);
        CollectionAssert.AreEqual(Bytes(100, 1), entry?.Data);
        Assert.AreEqual("image/png", entry!.Metadata.ContentType);
        Assert.AreEqual(100, (await reopened.GetStatisticsAsync(TestContext.CancellationToken)).TotalBytes);
    }

    [TestMethod]
    public async Task Keys_HostileOrHuge_StayInsideTheFolderAndStayDistinct()
    {
        using var parent = new TempFolder();
        var directory = parent.Combine("cache");
        using var cache = Open(directory, configure: o => o.MaxInlineBytes = 0);
        string[] keys = ["../../escape", "../", "/etc/passwd", "a/b\\c", "nul\0byte", "", new string('x', 1_000_000), "\uD800", "\uD801", "C:\\Windows", "..."];

        for (var i = 0; i < keys.Length; i++)
        {
            await cache.SetAsync(keys[i], Bytes(10 + i, i), null, TestContext.CancellationToken);
        }

        for (var i = 0; i < keys.Length; i++)
        {
            CollectionAssert.AreEqual(Bytes(10 + i, i), (await cache.GetAsync(keys[i], TestContext.CancellationToken))?.Data, $"key {i}");
        }

        CollectionAssert.AreEqual(new[] { directory }, Directory.GetFileSystemEntries(parent.Path));
        var blobs = BlobFiles(directory);
        Assert.HasCount(keys.Length, blobs);
        Assert.IsTrue(blobs.All(b => Path.GetFileName(b).Length == 64 && b.StartsWith(Path.Combine(directory, "blobs"), StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Constructor_FolderIsAFile_ThrowsDiskCacheException()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("file");
        File.WriteAllText(file, "x");

        var error = Assert.ThrowsExactly<DiskCacheException>(() => Open(file));
        Assert.AreEqual(file, error.SourceName);
    }

    [TestMethod]
    public async Task Dispose_Twice_IsHarmlessAndLaterCallsThrowObjectDisposed()
    {
        using var folder = new TempFolder();
        var cache = Open(folder.Path);
        await cache.SetAsync("k", Bytes(10, 1), null, TestContext.CancellationToken);
        await cache.GetAsync("k", TestContext.CancellationToken); // leaves an access time to flush on dispose

        cache.Dispose();
        await cache.DisposeAsync();

        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => cache.GetAsync("k", TestContext.CancellationToken));
        using var reopened = Open(folder.Path);
        Assert.IsNotNull(await reopened.GetMetadataAsync("k", TestContext.CancellationToken));
        Assert.IsNull(await reopened.GetMetadataAsync("absent", TestContext.CancellationToken));
    }

    [TestMethod]
    public void DefaultDirectory_IsAbsoluteAndNamesImageKit()
    {
        var directory = DiskImageCache.DefaultDirectory;
        Assert.IsTrue(Path.IsPathRooted(directory));
        StringAssert.Contains(directory.ToUpperInvariant(), "IMAGEKIT");
    }

    [TestMethod]
    public async Task SweepAsync_DeletesTrashFoldersOfOldAndEarlierVersionClears_KeepsOneMadeWithinTheHour()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.OpeningSweep;
        string Trash(string name)
        {
            var path = folder.Combine(name);
            Directory.CreateDirectory(Path.Combine(path, "ab"));
            File.WriteAllBytes(Path.Combine(path, "ab", "file"), [1]);
            return path;
        }

        var earlierVersion = Trash($"trash-{Guid.NewGuid():N}");
        var old = Trash($"trash-{DateTime.UtcNow.AddHours(-2).Ticks:x16}-{Guid.NewGuid():N}");
        var recent = Trash($"trash-{DateTime.UtcNow.AddMinutes(-5).Ticks:x16}-{Guid.NewGuid():N}");

        await cache.SweepAsync(TestContext.CancellationToken);

        Assert.IsFalse(Directory.Exists(earlierVersion));
        Assert.IsFalse(Directory.Exists(old));
        Assert.IsTrue(Directory.Exists(recent), "a clear that SQLite rolled back by itself may still put it back");
    }
}
