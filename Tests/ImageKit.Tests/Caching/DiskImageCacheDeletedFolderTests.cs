using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// The cache folder, or its index, deleted while the cache is open: by the user emptying their caches folder, a
/// cleaning tool, or <c>rm -rf</c>. Found with <c>imagekit fetch</c> of 3,000 URLs and an <c>rm -rf</c> of its
/// <c>--cache-dir</c> halfway through: a new connection created an empty index file, and every store after it failed
/// with "no such table: entries" until the process ended. The cache now starts again empty in the same place, as
/// SDWebImage's and Kingfisher's recreate their folder.
/// </summary>
[TestClass]
public sealed class DiskImageCacheDeletedFolderTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("folder")]
    [DataRow("index files")]
    [DataRow("index emptied")]
    public async Task Operations_AfterTheFolderOrIndexIsDeletedUnderneath_StartAgainEmptyInTheSamePlace(string deleted)
    {
        using var folder = new TempFolder();
        var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 2048);
        try
        {
            await cache.SetAsync("inline", Bytes(1000, 1), null, TestContext.CancellationToken);
            await cache.SetAsync("blob", Bytes(9000, 2), null, TestContext.CancellationToken);
            Assert.IsNotNull(await cache.GetAsync("inline", TestContext.CancellationToken)); // connections are open and pooled
            Delete(folder.Path, deleted);

            // Until a write notices, a pooled connection may still read the deleted index's rows (intact bytes, not wrong
            // ones); with the folder, a blob's file is gone, so it misses.
            await cache.GetAsync("inline", TestContext.CancellationToken);
            var blob = await cache.GetAsync("blob", TestContext.CancellationToken);
            Assert.IsTrue(blob is null ? true : deleted != "folder" && blob.Data.AsSpan().SequenceEqual(Bytes(9000, 2)), "gone with the folder, or intact");
            await cache.SetAsync("after", Bytes(9000, 3), null, TestContext.CancellationToken);
            await cache.SetAsync("after-inline", Bytes(500, 4), null, TestContext.CancellationToken);
            Assert.IsNull(await cache.GetAsync("inline", TestContext.CancellationToken), "gone with the index");
            Assert.IsNull(await cache.GetAsync("blob", TestContext.CancellationToken), "gone with the index");
            CollectionAssert.AreEqual(Bytes(9000, 3), (await cache.GetAsync("after", TestContext.CancellationToken))?.Data);
            Assert.AreEqual(2, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
        }
        finally
        {
            cache.Dispose();
        }

        // What it wrote is in the folder, where the next process finds it.
        using var reopened = Open(folder.Path);
        CollectionAssert.AreEqual(Bytes(500, 4), (await reopened.GetAsync("after-inline", TestContext.CancellationToken))?.Data);
        CollectionAssert.AreEqual(Bytes(9000, 3), (await reopened.GetAsync("after", TestContext.CancellationToken))?.Data);
    }

    /// <summary>
    /// A cache that only reads notices too (within a second): it answered from the deleted index, and kept the deleted
    /// file's disk space taken, until the process ended.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task GetAsync_AfterTheFolderIsDeleted_StopsAnsweringFromTheDeletedIndexWithoutAnyWrite()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 2048);
        await cache.SetAsync("inline", Bytes(1000, 1), null, TestContext.CancellationToken);
        Assert.IsNotNull(await cache.GetAsync("inline", TestContext.CancellationToken));
        Delete(folder.Path, "folder");

        while (await cache.GetAsync("inline", TestContext.CancellationToken) is not null)
        {
            await Task.Delay(50, TestContext.CancellationToken);
        }

        Assert.IsTrue(File.Exists(folder.Combine("index.sqlite")), "the index was recreated in its folder");
    }

    [TestMethod]
    public async Task ConcurrentStores_WhileTheFolderIsDeletedRepeatedly_NeverFailOnceItStaysAway()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 2048);
        using var stop = new CancellationTokenSource();
        var deleter = Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                await Task.Delay(20, TestContext.CancellationToken);
                Delete(folder.Path, "folder");
            }
        }, TestContext.CancellationToken);
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !deleter.IsCompleted; i++)
            {
                try
                {
                    await cache.SetAsync($"w{w}-{i}", Bytes(i % 2 == 0 ? 700 : 5000, i), null, TestContext.CancellationToken);
                }
                catch (DiskCacheException)
                {
                    // A store racing with a deletion may fail (its file, or the folder it was recreating, went while it
                    // ran; a store that meets one deletion tries once more); never a crash, and never a lasting failure.
                }
            }
        }, TestContext.CancellationToken)).ToArray();
        await Task.WhenAll(writers.Append(deleter));

        // Once the folder stays, every store lands again.
        for (var i = 0; i < 20; i++)
        {
            await cache.SetAsync($"last-{i}", Bytes(i % 2 == 0 ? 700 : 5000, i), null, TestContext.CancellationToken);
        }

        for (var i = 0; i < 20; i++)
        {
            CollectionAssert.AreEqual(Bytes(i % 2 == 0 ? 700 : 5000, i), (await cache.GetAsync($"last-{i}", TestContext.CancellationToken))?.Data, $"last-{i}");
        }
    }

    /// <summary>
    /// A store whose temporary file goes with the folder before it is renamed into place (the store waits for the index's
    /// write lock meanwhile) writes it again, instead of failing with "Could not find file …/tmp/….tmp": 4 of 3,000
    /// fetches failed that way in the run that found this.
    /// </summary>
    [TestMethod]
    public async Task SetAsync_TheFolderDeletedWhileTheStoreWaitsForTheIndex_StoresTheEntryInTheNewFolder()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        await cache.SetAsync("before", Bytes(5000, 1), null, TestContext.CancellationToken);
        Task store;
        using (IndexWriteLock.Hold(folder.Path))
        {
            store = cache.SetAsync("k", Bytes(5000, 2), null, TestContext.CancellationToken);
            var temp = folder.Combine("tmp");
            while (!store.IsCompleted && (!Directory.Exists(temp) || Directory.GetFiles(temp).Length == 0))
            {
                await Task.Delay(5, TestContext.CancellationToken);
            }

            Assert.IsFalse(store.IsCompleted, "the store waits for the index's write lock");
            Delete(folder.Path, "folder");
        }

        await store;

        CollectionAssert.AreEqual(Bytes(5000, 2), (await cache.GetAsync("k", TestContext.CancellationToken))?.Data);
        Assert.IsNull(await cache.GetAsync("before", TestContext.CancellationToken), "gone with the folder");
    }

    [TestMethod]
    public async Task LoadImageAsync_AfterTheCacheFolderIsDeleted_LoadsAndStoresInTheNewFolder()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        using var folder = new TempFolder();
        var options = new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } };
        var store = new ImageLoadOptions { WaitForDiskStore = true };
        await using (var manager = new ImageManager(options))
        {
            (await manager.LoadImageAsync(server.Image("TestImage.gif"), store, cancellationToken: TestContext.CancellationToken)).Dispose();
            Delete(folder.Path, "folder");

            using var result = await manager.LoadImageAsync(server.Image("TestImageStatic.webp"), store, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Network, result.Source);
        }

        await using var next = new ImageManager(options);
        using var hit = await next.LoadImageAsync(server.Image("TestImageStatic.webp"), new ImageLoadOptions { FromCacheOnly = true }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Disk, hit.Source);
    }

    /// <summary>
    /// What is at the index's path after a deletion is opened as at start, not deleted blindly: here another program's
    /// SQLite database (a missing table once read as damage, and the file was deleted and recreated).
    /// </summary>
    [TestMethod]
    public async Task Operations_AfterTheIndexIsReplacedByAnotherProgramsDatabase_FailAndLeaveItAlone()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 2048);
        await cache.SetAsync("inline", Bytes(1000, 1), null, TestContext.CancellationToken);
        Delete(folder.Path, "index files");
        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={folder.Combine("index.sqlite")};Pooling=False"))
        {
            other.Open();
            using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');";
            create.ExecuteNonQuery();
        }

        var refused = await Assert.ThrowsAsync<DiskCacheException>(() => cache.SetAsync("after", Bytes(500, 2), null, TestContext.CancellationToken));

        StringAssert.Contains(refused.Message, "another program's SQLite database");
        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={folder.Combine("index.sqlite")};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var read = check.CreateCommand();
        read.CommandText = "SELECT text FROM notes;";
        Assert.AreEqual("keep me", read.ExecuteScalar());
    }

    private static void Delete(string directory, string what)
    {
        switch (what)
        {
            case "folder":
                // As rm -rf does it; a file the cache creates meanwhile can leave a folder behind, so try a few times.
                for (var attempt = 0; Directory.Exists(directory) && attempt < 5; attempt++)
                {
                    try
                    {
                        Directory.Delete(directory, recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                }

                break;
            case "index files":
                foreach (var file in Directory.GetFiles(directory, "index*"))
                {
                    File.Delete(file);
                }

                break;
            case "index emptied":
                foreach (var file in Directory.GetFiles(directory, "index.sqlite-*"))
                {
                    File.Delete(file);
                }

                File.Delete(Path.Combine(directory, "index.sqlite"));
                File.WriteAllBytes(Path.Combine(directory, "index.sqlite"), []);
                break;
        }
    }
}
