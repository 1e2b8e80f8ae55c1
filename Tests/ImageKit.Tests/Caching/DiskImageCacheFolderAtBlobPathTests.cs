using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A folder where a blob file belongs (made by another hand: a script, a user, a sync tool). It refused every later store
/// of the key with <see cref="DiskCacheException"/> ("Is a directory"), for good; reads missed without removing the row
/// (a file that cannot be opened now is not known to be damaged), and the sweep never deleted it, although nothing of the
/// cache's is a folder inside a fan-out folder.
/// </summary>
[TestClass]
public sealed class DiskImageCacheFolderAtBlobPathTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task FolderWhereAnEntrysFileBelongs_ReadsAsADamagedEntryAndTheKeyIsStoredAgain()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        await cache.SetAsync("k", Bytes(4000, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("other", Bytes(4000, 2), null, TestContext.CancellationToken);
        var path = BlobPath(folder.Path, "k");
        File.Delete(path);
        Directory.CreateDirectory(path);
        File.WriteAllBytes(Path.Combine(path, "inside"), Bytes(10, 3));

        Assert.IsNull(await cache.GetAsync("k", TestContext.CancellationToken));
        var statistics = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, statistics.EntryCount, "its row is removed, as a damaged entry's is");
        Assert.AreEqual(4000, statistics.TotalBytes);

        await cache.SetAsync("k", Bytes(5000, 4), null, TestContext.CancellationToken);
        CollectionAssert.AreEqual(Bytes(5000, 4), (await cache.GetAsync("k", TestContext.CancellationToken))?.Data);
        CollectionAssert.AreEqual(Bytes(4000, 2), (await cache.GetAsync("other", TestContext.CancellationToken))?.Data);
        Assert.IsTrue(File.Exists(path));
    }

    [TestMethod]
    public async Task SetAsync_NewKeyWhoseFilePathIsAFolder_StoresIt()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        var path = BlobPath(folder.Path, "k");
        Directory.CreateDirectory(path);

        await cache.SetAsync("k", Bytes(5000, 4), null, TestContext.CancellationToken);

        CollectionAssert.AreEqual(Bytes(5000, 4), (await cache.GetAsync("k", TestContext.CancellationToken))?.Data);
    }

    [TestMethod]
    public async Task SweepAsync_FolderNamedAsABlob_IsDeletedAndEntriesKept()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        await cache.OpeningSweep;
        await cache.SetAsync("kept", Bytes(4000, 1), null, TestContext.CancellationToken);
        var stray = BlobPath(folder.Path, "no such key");
        Directory.CreateDirectory(Path.Combine(stray, "deeper"));
        File.WriteAllBytes(Path.Combine(stray, "deeper", "file"), Bytes(10, 3));

        var result = await cache.SweepAsync(TestContext.CancellationToken);

        Assert.IsFalse(Directory.Exists(stray));
        Assert.AreEqual(1, result.OrphanFilesRemoved);
        Assert.AreEqual(0, result.BrokenRowsRemoved);
        CollectionAssert.AreEqual(Bytes(4000, 1), (await cache.GetAsync("kept", TestContext.CancellationToken))?.Data);
    }
}
