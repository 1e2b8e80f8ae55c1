using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class DiskImageCacheHealingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("flip")]
    [DataRow("truncate")]
    [DataRow("delete")]
    [DataRow("swap")]
    public async Task GetAsync_DamagedBlob_MissesAndRemovesTheRow(string damage)
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        await cache.SetAsync("k", Bytes(4000, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("other", Bytes(4000, 2), null, TestContext.CancellationToken);
        var path = BlobPath(folder.Path, "k");
        switch (damage)
        {
            case "flip":
                var bytes = File.ReadAllBytes(path);
                bytes[1234] ^= 0x40;
                File.WriteAllBytes(path, bytes);
                break;
            case "truncate":
                using (var stream = File.OpenWrite(path))
                {
                    stream.SetLength(1000);
                }

                break;
            case "delete":
                File.Delete(path);
                break;
            default: // another entry's bytes of the same length under this name
                File.Copy(BlobPath(folder.Path, "other"), path, overwrite: true);
                break;
        }

        Assert.IsNull(await cache.GetAsync("k", TestContext.CancellationToken));

        Assert.IsFalse(File.Exists(path));
        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(new DiskCacheStatistics(1, 4000, 0, 1), stats);
        CollectionAssert.AreEqual(Bytes(4000, 2), (await cache.GetAsync("other", TestContext.CancellationToken))?.Data);
    }

    [TestMethod]
    [DataRow("garbage")]
    [DataRow("empty-header")]
    [DataRow("truncated")]
    public async Task Open_DamagedIndex_RebuildsEmptyWithoutThrowingAndSweepsBlobs(string damage)
    {
        using var folder = new TempFolder();
        using (var cache = Open(folder.Path, configure: o => (o.FlushWrites, o.MaxInlineBytes) = (false, 0)))
        {
            for (var i = 0; i < 400; i++)
            {
                await cache.SetAsync($"k{i}", Bytes(300, i), new DiskCacheMetadata { ETag = new string('e', 200) }, TestContext.CancellationToken);
            }
        }

        var index = folder.Combine("index.sqlite");
        var length = new FileInfo(index).Length;
        switch (damage)
        {
            case "garbage":
                File.WriteAllBytes(index, Bytes((int)length, 7));
                break;
            case "empty-header":
                using (var stream = File.OpenWrite(index))
                {
                    stream.Write(new byte[100]);
                }

                break;
            default:
                using (var stream = File.OpenWrite(index))
                {
                    stream.SetLength(length / 3);
                }

                break;
        }

        using var reopened = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        var hits = 0;
        for (var i = 0; i < 400; i++)
        {
            var entry = await reopened.GetAsync($"k{i}", TestContext.CancellationToken);
            if (entry is not null)
            {
                CollectionAssert.AreEqual(Bytes(300, i), entry.Data, $"k{i}");
                hits++;
            }
        }

        Assert.IsTrue(reopened.IndexWasRebuilt, "damage detected");
        if (damage != "truncated")
        {
            Assert.AreEqual(0, hits, "a rebuilt index starts empty"); // a truncated one may answer from its surviving pages first
        }

        await reopened.OpeningSweep;
        await reopened.SetAsync("new", Bytes(10, 1), null, TestContext.CancellationToken);
        Assert.IsNotNull(await reopened.GetAsync("new", TestContext.CancellationToken));
        Assert.HasCount(1, BlobFiles(folder.Path), "the old blobs were swept");
    }

    [TestMethod]
    public async Task SweepAsync_GarbageInTheMiddleOfTheIndex_NeverWrongBytesAndRebuilt()
    {
        using var folder = new TempFolder();
        await FillThenDamageIndexMiddleAsync(folder.Path, TestContext.CancellationToken);

        using var reopened = Open(folder.Path);
        for (var i = 0; i < 400; i += 7)
        {
            if (await reopened.GetAsync($"k{i}", TestContext.CancellationToken) is { } entry)
            {
                CollectionAssert.AreEqual(Bytes(300, i), entry.Data, $"k{i}");
            }
        }

        await reopened.SweepAsync(TestContext.CancellationToken);

        Assert.IsTrue(reopened.IndexWasRebuilt, "quick_check in the sweep (or an earlier read) found the damage");
        Assert.AreEqual(0, (await reopened.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
        Assert.IsEmpty(BlobFiles(folder.Path), "the rebuilt index's orphans were swept");
    }

    [TestMethod]
    public async Task SweepAsync_OrphansStrayFilesAndBrokenRows_AreRemovedAndGoodEntriesKept()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        await cache.OpeningSweep;
        await cache.SetAsync("good", Bytes(100, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("lost-blob", Bytes(100, 2), null, TestContext.CancellationToken);
        File.Delete(BlobPath(folder.Path, "lost-blob"));
        await cache.SetAsync("short-blob", Bytes(100, 3), null, TestContext.CancellationToken);
        var shortBlob = BlobPath(folder.Path, "short-blob");
        File.WriteAllBytes(shortBlob, Bytes(10, 3)); // the wrong length: a broken row whose file must go too

        var orphan = BlobPath(folder.Path, "never-stored");
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        File.WriteAllBytes(orphan, [1, 2, 3]);
        var stray = folder.Combine("blobs", "zz", "not-a-hash");
        Directory.CreateDirectory(Path.GetDirectoryName(stray)!);
        File.WriteAllBytes(stray, [1]);
        var oldTemp = folder.Combine("tmp", "old.tmp");
        File.WriteAllBytes(oldTemp, [1]);
        File.SetLastWriteTimeUtc(oldTemp, DateTime.UtcNow.AddHours(-2));
        var freshTemp = folder.Combine("tmp", "fresh.tmp"); // perhaps another process's write in progress
        File.WriteAllBytes(freshTemp, [1]);
        var futureTemp = folder.Combine("tmp", "future.tmp"); // left by a crash while the clock ran years ahead
        File.WriteAllBytes(futureTemp, [1]);
        File.SetLastWriteTimeUtc(futureTemp, DateTime.UtcNow.AddYears(14));

        var result = await cache.SweepAsync(TestContext.CancellationToken);

        Assert.IsFalse(File.Exists(futureTemp), "a temporary file from the future is stale too");
        Assert.AreEqual(new DiskCacheSweepResult(4, 2), result);
        Assert.IsFalse(File.Exists(shortBlob), "a broken row's file goes with the row");
        Assert.IsFalse(File.Exists(orphan));
        Assert.IsFalse(File.Exists(stray));
        Assert.IsFalse(File.Exists(oldTemp));
        Assert.IsTrue(File.Exists(freshTemp));
        CollectionAssert.AreEqual(Bytes(100, 1), (await cache.GetAsync("good", TestContext.CancellationToken))?.Data);
        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, stats.EntryCount);
        Assert.AreEqual(100, stats.TotalBytes);
    }

    // Promise (SweepAsync): only rows whose bytes are missing or of the wrong length are removed. A file the sweep could
    // not look at (its folder unreadable for a while: permissions, a network share's hiccup) read as missing, and the
    // entry was dropped although its bytes were intact.
    [TestMethod]
    [TestCategory(Permissions.UnprivilegedUserTests.Category)]
    public async Task SweepAsync_BlobItCannotLookAt_KeepsTheEntry()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("Unix file permissions");
            return;
        }

        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        await cache.OpeningSweep;
        await cache.SetAsync("kept", Bytes(100, 1), null, TestContext.CancellationToken);
        var shard = Path.GetDirectoryName(BlobPath(folder.Path, "kept"))!;
        var mode = File.GetUnixFileMode(shard);
        File.SetUnixFileMode(shard, UnixFileMode.None);
        DiskCacheSweepResult result;
        try
        {
            if (File.Exists(BlobPath(folder.Path, "kept")))
            {
                Assert.Inconclusive($"file permissions do not stop this user ({Environment.UserName}) from looking at the file: nothing to test");
            }

            result = await cache.SweepAsync(TestContext.CancellationToken);
        }
        finally
        {
            File.SetUnixFileMode(shard, mode);
        }

        Assert.AreEqual(0, result.BrokenRowsRemoved);
        CollectionAssert.AreEqual(Bytes(100, 1), (await cache.GetAsync("kept", TestContext.CancellationToken))?.Data, "the entry is still there once its folder can be read again");
    }

    [TestMethod]
    public async Task SweepAsync_TempFolderRemovedWhileOpen_SweepsTheRestWithoutThrowing()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.OpeningSweep;
        Directory.Delete(Path.Combine(folder.Path, "tmp"), recursive: true);

        var result = await cache.SweepAsync(TestContext.CancellationToken);

        Assert.AreEqual(new DiskCacheSweepResult(0, 0), result, "a clean cache, and no DirectoryNotFoundException");
    }

    [TestMethod]
    public void Open_FolderWithAnotherProgramsDatabase_ThrowsAndLeavesTheFolderAsItWas()
    {
        using var folder = new TempFolder();
        var index = folder.Combine("index.sqlite");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={index};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE notes(text); INSERT INTO notes VALUES ('keep');";
            command.ExecuteNonQuery();
        }

        var bytes = File.ReadAllBytes(index);

        var error = Assert.ThrowsExactly<DiskCacheException>(() => Open(folder.Path).Dispose());

        StringAssert.Contains(error.Message, "another program's SQLite database");
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(index), "not a byte of it changed");
        CollectionAssert.AreEqual(new[] { index }, Directory.GetFileSystemEntries(folder.Path), "and nothing was added beside it");
    }
}
