using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A write transaction that SQLite rolls back by itself (a full disk or an I/O error at commit) has let go of the write
/// lock before the cache can undo its file work: another cache or process on the folder may write or remove the same key
/// at that moment (run inside SQLite's rollback hook here, see <see cref="SqliteRollbacks"/>). The undo must take the
/// lock again and leave what that other writer did; with nobody in between, it must still bring the old entry back.
/// </summary>
[TestClass]
public sealed class DiskImageCacheSqliteRollbackTests
{
    private const int Threshold = 1000;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(300, DisplayName = "inline write")]
    [DataRow(Threshold + 900, DisplayName = "file write")]
    public async Task SetAsync_RolledBackBySqliteWhileAnotherCacheStoresTheKey_KeepsTheOtherStore(int newLength)
    {
        using var folder = new TempFolder();
        var rollbacks = new SqliteRollbacks();
        using var cache = Open(folder.Path, rollbacks);
        using var other = Open(folder.Path, new SqliteRollbacks());
        await cache.SetAsync("k", Bytes(Threshold + 500, 1), null, TestContext.CancellationToken);

        var theirs = Bytes(Threshold + 700, 3);
        rollbacks.FailNext(() => other.SetAsync("k", theirs, null, TestContext.CancellationToken).GetAwaiter().GetResult());
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.SetAsync("k", Bytes(newLength, 2), null, TestContext.CancellationToken));
        Assert.AreEqual(1, rollbacks.Count);
        Assert.IsNull(rollbacks.Failure, "the other cache stores while SQLite has let go of the lock");

        CollectionAssert.AreEqual(theirs, (await other.GetAsync("k", TestContext.CancellationToken))?.Data,
            "the failed write's undo must not take the other cache's file, nor put the old one under its row");
        CollectionAssert.AreEqual(theirs, (await cache.GetAsync("k", TestContext.CancellationToken))?.Data);
        Assert.HasCount(1, BlobFiles(folder.Path));
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")), "the old file aside and the failed write's file are deleted");
    }

    [TestMethod]
    public async Task SetAsync_RolledBackBySqliteWhileAnotherCacheRemovesTheKey_StaysRemoved()
    {
        using var folder = new TempFolder();
        var rollbacks = new SqliteRollbacks();
        using var cache = Open(folder.Path, rollbacks);
        using var other = Open(folder.Path, new SqliteRollbacks());
        await cache.SetAsync("k", Bytes(Threshold + 500, 1), null, TestContext.CancellationToken);

        rollbacks.FailNext(() => other.RemoveAsync("k", TestContext.CancellationToken).GetAwaiter().GetResult());
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.SetAsync("k", Bytes(Threshold + 900, 2), null, TestContext.CancellationToken));
        Assert.IsNull(rollbacks.Failure);

        Assert.IsNull(await other.GetAsync("k", TestContext.CancellationToken));
        Assert.IsEmpty(BlobFiles(folder.Path), "no file of the removed entry is put back");
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")));
    }

    [TestMethod]
    [DataRow(300, DisplayName = "inline write")]
    [DataRow(Threshold + 900, DisplayName = "file write")]
    public async Task SetAsync_RolledBackBySqlite_OldEntryStaysReadable(int newLength)
    {
        using var folder = new TempFolder();
        var rollbacks = new SqliteRollbacks();
        using var cache = Open(folder.Path, rollbacks);
        await cache.SetAsync("k", Bytes(Threshold + 500, 1), new DiskCacheMetadata { ETag = "\"old\"" }, TestContext.CancellationToken);

        rollbacks.FailNext();
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.SetAsync("k", Bytes(newLength, 2), null, TestContext.CancellationToken));
        Assert.AreEqual(1, rollbacks.Count);

        var entry = await cache.GetAsync("k", TestContext.CancellationToken);
        CollectionAssert.AreEqual(Bytes(Threshold + 500, 1), entry?.Data);
        Assert.AreEqual("\"old\"", entry?.Metadata.ETag);
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")));
    }

    [TestMethod]
    public async Task RemoveAsync_RolledBackBySqlite_EntryStaysReadable()
    {
        using var folder = new TempFolder();
        var rollbacks = new SqliteRollbacks();
        using var cache = Open(folder.Path, rollbacks);
        await cache.SetAsync("k", Bytes(Threshold + 500, 1), null, TestContext.CancellationToken);

        rollbacks.FailNext();
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.RemoveAsync("k", TestContext.CancellationToken));

        CollectionAssert.AreEqual(Bytes(Threshold + 500, 1), (await cache.GetAsync("k", TestContext.CancellationToken))?.Data);
    }

    /// <summary>
    /// A clear moves the blob folder to a <c>trash-</c> folder and puts it back if its commit fails. When SQLite rolls the
    /// clear back by itself, the write lock is free until the undo takes it again: a sweep of another cache that lists the
    /// trash folders then (under the write lock, free at that moment) took the clear's as one left by a committed clear and
    /// deleted it, and every entry, whose row had come back, lost its file. (The other sweep is stopped after that step
    /// here, as if the undo had taken the lock before its next one.)
    /// </summary>
    [TestMethod]
    public async Task ClearAsync_RolledBackBySqliteWhileAnotherCacheSweepsTrashFolders_EntriesStayReadable()
    {
        using var folder = new TempFolder();
        var rollbacks = new SqliteRollbacks();
        using var cache = Open(folder.Path, rollbacks);
        var sweeperCommits = 0;
        var stopSweeper = false;
        using var sweeper = DiskCacheTestHelpers.Open(folder.Path, configure: o =>
        {
            o.MaxInlineBytes = Threshold;
            o.BeforeIndexCommit = _ =>
            {
                // Its first commit lists the trash folders; the next one would remove rows whose files are in the trash.
                if (Volatile.Read(ref stopSweeper) && Interlocked.Increment(ref sweeperCommits) > 1)
                {
                    throw new Microsoft.Data.Sqlite.SqliteException("injected: stopped after listing the trash folders", 13);
                }
            };
        });
        await sweeper.OpeningSweep;
        for (var i = 0; i < 4; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(Threshold + 100 + i, i), null, TestContext.CancellationToken);
        }

        rollbacks.FailNext(() =>
        {
            Volatile.Write(ref stopSweeper, true);
            Assert.ThrowsExactly<DiskCacheException>(() => sweeper.SweepAsync(TestContext.CancellationToken).GetAwaiter().GetResult());
        });
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.ClearAsync(TestContext.CancellationToken));
        Assert.AreEqual(1, rollbacks.Count);
        Assert.IsNull(rollbacks.Failure, "the other cache sweeps while SQLite has let go of the lock");
        Assert.AreEqual(2, sweeperCommits, "the other sweep listed the trash folders, and was stopped at its next commit");

        for (var i = 0; i < 4; i++)
        {
            CollectionAssert.AreEqual(Bytes(Threshold + 100 + i, i), (await cache.GetAsync($"k{i}", TestContext.CancellationToken))?.Data,
                $"k{i}: the clear was rolled back, its rows stay, and so must their files");
        }

        Assert.IsEmpty(Directory.GetDirectories(folder.Path, "trash-*"), "the blob folder was put back");
    }

    /// <summary>
    /// A write rolled back by SQLite lets go of the lock; another cache then recreates the index (here: of another schema
    /// version; damage is handled the same way) and stores the key in the new one. The failed write's undo took the lock
    /// again on its old connection, whose file is deleted and no longer the folder's, found the key's old row there, and
    /// so took the new entry's file away and put the old file under the new row.
    /// </summary>
    [TestMethod]
    public async Task SetAsync_RolledBackBySqliteWhileAnotherCacheRecreatesTheIndexAndStoresTheKey_KeepsTheNewStore()
    {
        using var folder = new TempFolder();
        var rollbacks = new SqliteRollbacks();
        using var cache = Open(folder.Path, rollbacks);
        await cache.SetAsync("k", Bytes(Threshold + 500, 1), null, TestContext.CancellationToken);

        DiskImageCache? rebuilder = null;
        var theirs = Bytes(Threshold + 700, 3);
        try
        {
            rollbacks.FailNext(() =>
            {
                InlineIndex.Execute(folder.Path, "PRAGMA user_version = 1");
                rebuilder = Open(folder.Path, new SqliteRollbacks());
                rebuilder.SetAsync("k", theirs, null, TestContext.CancellationToken).GetAwaiter().GetResult();
            });
            await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.SetAsync("k", Bytes(Threshold + 900, 2), null, TestContext.CancellationToken));
            Assert.AreEqual(1, rollbacks.Count);
            Assert.IsNull(rollbacks.Failure, "the other cache recreates the index and stores while SQLite has let go of the lock");
            Assert.IsNotNull(rebuilder);
            Assert.IsTrue(rebuilder.IndexWasRebuilt);

            CollectionAssert.AreEqual(theirs, (await rebuilder.GetAsync("k", TestContext.CancellationToken))?.Data,
                "the failed write's undo must not take the file of the entry stored in the new index");
        }
        finally
        {
            rebuilder?.Dispose();
        }
    }

    private static DiskImageCache Open(string folder, SqliteRollbacks rollbacks)
    {
        var cache = DiskCacheTestHelpers.Open(folder, configure: o =>
        {
            o.MaxInlineBytes = Threshold;
            o.BeforeIndexCommit = rollbacks.BeforeCommit;
        });
        cache.OpeningSweep.GetAwaiter().GetResult();
        return cache;
    }
}
