using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Data.Sqlite;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A write whose index transaction fails after its file work (a full disk or an I/O error at commit, injected through
/// <see cref="DiskImageCacheOptions.BeforeIndexCommit"/>) must leave the entry it replaces readable: the row is rolled back,
/// so the old bytes must still be where that row says.
/// </summary>
[TestClass]
public sealed class DiskImageCacheFailedCommitTests
{
    private const int Threshold = 1000;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SetAsync_InlineOverAFileEntryWhoseCommitFails_OldEntryStaysReadable()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await cache.SetAsync("k", Bytes(Threshold + 500, 1), new DiskCacheMetadata { ETag = "\"old\"" }, TestContext.CancellationToken);

        commits.Fail = true;
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.SetAsync("k", Bytes(300, 2), null, TestContext.CancellationToken));
        commits.Fail = false;

        var entry = await cache.GetAsync("k", TestContext.CancellationToken);
        Assert.IsNotNull(entry, "the failed write must not take the old entry's file with it");
        CollectionAssert.AreEqual(Bytes(Threshold + 500, 1), entry.Data);
        Assert.AreEqual("\"old\"", entry.Metadata.ETag);
    }

    /// <summary>
    /// A write of a file entry moves the key's old file aside only when the row it replaces has one: it tried for every
    /// write, and for a new key (the usual store of a download) the missing file cost a thrown and caught exception
    /// (<see cref="FileNotFoundException"/> or <see cref="DirectoryNotFoundException"/>) inside the write lock.
    /// </summary>
    [TestMethod]
    public async Task SetAsync_FileEntryOfANewKey_MeetsNoMissingFile()
    {
        using var folder = new TempFolder();
        using var cache = new CommitFailures().OpenCache(folder.Path, Threshold);
        var missing = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is IOException && e.Exception.Message.Contains(folder.Path, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref missing);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            await cache.SetAsync("new", Bytes(Threshold + 500, 1), null, TestContext.CancellationToken);
            await cache.SetAsync("new", Bytes(Threshold + 600, 2), null, TestContext.CancellationToken);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.AreEqual(0, Volatile.Read(ref missing), "I/O exceptions thrown about the cache's files");
        CollectionAssert.AreEqual(Bytes(Threshold + 600, 2), (await cache.GetAsync("new", TestContext.CancellationToken))?.Data);
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")), "the replaced file was deleted after the commit");
    }

    [TestMethod]
    public async Task SetAsync_InlineWritesOverFileEntriesWhoseSharedCommitFails_EveryOldEntryStaysReadable()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        for (var i = 0; i < 8; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(Threshold + 100 + i, i), null, TestContext.CancellationToken);
        }

        // Together, so that some share a transaction (GroupCommit); a full index fails every write of the batch at once.
        commits.Fail = true;
        var writes = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => cache.SetAsync($"k{i}", Bytes(200 + i, 100 + i), null, TestContext.CancellationToken), TestContext.CancellationToken))
            .ToArray();
        foreach (var write in writes)
        {
            await Assert.ThrowsExactlyAsync<DiskCacheException>(() => write);
        }

        commits.Fail = false;

        for (var i = 0; i < 8; i++)
        {
            CollectionAssert.AreEqual(Bytes(Threshold + 100 + i, i), (await cache.GetAsync($"k{i}", TestContext.CancellationToken))?.Data, $"k{i}");
        }
    }

    [TestMethod]
    public async Task SetAsync_FileOverAFileEntryWhoseCommitFails_OldEntryStaysReadable()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await cache.SetAsync("k", Bytes(Threshold + 500, 1), new DiskCacheMetadata { ETag = "\"old\"" }, TestContext.CancellationToken);

        commits.Fail = true;
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.SetAsync("k", Bytes(Threshold + 900, 2), null, TestContext.CancellationToken));
        commits.Fail = false;

        var entry = await cache.GetAsync("k", TestContext.CancellationToken);
        Assert.IsNotNull(entry, "the failed write must not leave its bytes under the old entry's row");
        CollectionAssert.AreEqual(Bytes(Threshold + 500, 1), entry.Data);
        Assert.AreEqual("\"old\"", entry.Metadata.ETag);
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")), "nothing of the failed write is left behind");
    }

    [TestMethod]
    public async Task SetAsync_FileOverAnInlineEntryWhoseCommitFails_OldEntryStaysAndNoFileIsLeft()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await cache.SetAsync("k", Bytes(300, 1), null, TestContext.CancellationToken);

        commits.Fail = true;
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.SetAsync("k", Bytes(Threshold + 900, 2), null, TestContext.CancellationToken));
        commits.Fail = false;

        CollectionAssert.AreEqual(Bytes(300, 1), (await cache.GetAsync("k", TestContext.CancellationToken))?.Data);
        Assert.IsFalse(File.Exists(BlobPath(folder.Path, "k")), "the failed write's file must not stay beside the inline entry");
    }

    [TestMethod]
    public async Task SetAsync_ReplacingFileEntries_NewEntriesReadAndNoOldFileIsLeft()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await cache.SetAsync("to inline", Bytes(Threshold + 1, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("to file", Bytes(Threshold + 2, 2), null, TestContext.CancellationToken);

        await cache.SetAsync("to inline", Bytes(10, 3), null, TestContext.CancellationToken);
        await cache.SetAsync("to file", Bytes(Threshold + 3, 4), null, TestContext.CancellationToken);

        CollectionAssert.AreEqual(Bytes(10, 3), (await cache.GetAsync("to inline", TestContext.CancellationToken))?.Data);
        CollectionAssert.AreEqual(Bytes(Threshold + 3, 4), (await cache.GetAsync("to file", TestContext.CancellationToken))?.Data);
        Assert.IsFalse(File.Exists(BlobPath(folder.Path, "to inline")));
        Assert.HasCount(1, BlobFiles(folder.Path));
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")), "the replaced files are deleted once the new rows are committed");
    }

    /// <summary>
    /// A read of the entry while an inline write that replaces its file commits: the read finds the old row, no file (moved
    /// aside), the row still the same (not committed yet), and waits for the write lock to remove it as broken. By then
    /// the new entry is committed: the read must return it (readers see the old entry or the new one), not a miss.
    /// </summary>
    [TestMethod]
    public async Task GetAsync_DuringAReplacingWriteThatCommits_ReturnsTheNewEntry()
    {
        using var folder = new TempFolder();
        DiskImageCache cache = null!;
        var reader = new BlockedReader(() => cache, "k", TestContext.CancellationToken);
        var armed = 0;
        void DuringCommit(SqliteConnection connection)
        {
            if (Interlocked.Exchange(ref armed, 0) != 0)
            {
                reader.Start(); // the file open fails at once (no file), so the waiting state is the write lock's
            }
        }

        using (cache = Open(folder.Path, configure: o =>
        {
            o.MaxInlineBytes = Threshold;
            o.BeforeIndexCommit = DuringCommit;
        }))
        {
            await cache.OpeningSweep;
            await cache.SetAsync("k", Bytes(Threshold + 500, 1), null, TestContext.CancellationToken);

            Volatile.Write(ref armed, 1);
            await cache.SetAsync("k", Bytes(300, 2), null, TestContext.CancellationToken);
            var readDuringWrite = reader.Join();

            CollectionAssert.AreEqual(Bytes(300, 2), readDuringWrite?.Data, "the read during the write finds the new entry once it is committed");
            CollectionAssert.AreEqual(Bytes(300, 2), (await cache.GetAsync("k", TestContext.CancellationToken))?.Data);
        }
    }

    /// <summary>
    /// A read of the entry while the failing write holds the old file aside finds no file and the row unchanged, and waits
    /// for the write lock to remove the row as broken. By then the failed write has put the file back: the read must see
    /// it and keep the entry.
    /// </summary>
    [TestMethod]
    [DataRow(300, DisplayName = "inline write")]
    [DataRow(Threshold + 900, DisplayName = "file write")]
    public async Task GetAsync_DuringAReplacingWriteWhoseCommitFails_KeepsTheOldEntry(int newLength)
    {
        using var folder = new TempFolder();
        var old = Bytes(Threshold + 500, 1);
        DiskImageCache cache = null!;
        var reader = new BlockedReader(() => cache, "k", TestContext.CancellationToken);
        var commits = new CommitFailures
        {
            // Inside the failing write's transaction, the old file aside: a read on another thread of this cache misses the
            // file and then waits for the write lock this thread holds.
            DuringFailingCommit = reader.Start,
        };
        using (cache = commits.OpenCache(folder.Path, Threshold))
        {
            await cache.SetAsync("k", old, null, TestContext.CancellationToken);

            commits.FailNext(1); // the read's own write transaction, which may begin at once, commits
            await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.SetAsync("k", Bytes(newLength, 2), null, TestContext.CancellationToken));
            var readDuringWrite = reader.Join();

            CollectionAssert.AreEqual(old, readDuringWrite?.Data, "the read during the failed write finds the old entry once the file is back");
            CollectionAssert.AreEqual(old, (await cache.GetAsync("k", TestContext.CancellationToken))?.Data, "the read did not remove it");
        }
    }
}
