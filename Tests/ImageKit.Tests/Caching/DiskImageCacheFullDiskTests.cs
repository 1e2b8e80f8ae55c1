using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A cache that filled the disk must still be able to trim and clear itself: SQLite writes even a deletion to its WAL
/// first, so on a full disk the transaction fails to commit, and a trim or clear that then kept every file (as a failed
/// removal does) could never free anything. Seen with a cache on a 512 KiB tmpfs: <c>imagekit cache trim</c> failed with
/// "database or disk is full" and freed nothing. Such a trim or clear now deletes the files it removes first and
/// commits then; where even that fails, their rows are left without files and read as misses.
/// </summary>
[TestClass]
public sealed class DiskImageCacheFullDiskTests
{
    private const int Threshold = 1000; // entries larger than this get files

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TrimAsync_WhoseCommitFindsTheDiskFull_DeletesTheFilesItRemovesAndCommits()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await FillAsync(cache, 4);

        commits.FailNext(1);
        var result = await cache.TrimAsync(maxSizeBytes: 1, maxAge: TimeSpan.Zero, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(4, result.SizeRemoved);
        Assert.AreEqual(0, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
        Assert.IsEmpty(BlobFiles(folder.Path));
    }

    // The trim first writes the access times of this instance's reads, in a transaction of its own: on a full disk that
    // one failed, and the trim with it, before it had removed anything.
    [TestMethod]
    public async Task TrimAsync_AfterReadsWhenTheDiskIsFull_StillRemovesTheEntries()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await FillAsync(cache, 4);
        Assert.IsNotNull(await cache.GetAsync("k0", TestContext.CancellationToken), "a read: its access time waits to be written");

        commits.FailNext(1);
        var result = await cache.TrimAsync(maxSizeBytes: 1, maxAge: TimeSpan.Zero, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(4, result.SizeRemoved);
        Assert.AreEqual(0, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
        Assert.IsEmpty(BlobFiles(folder.Path));
    }

    [TestMethod]
    public async Task TrimAsync_OnADiskThatStaysFull_ThrowsAndTheEntriesItRemovesReadAsMisses()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await FillAsync(cache, 4);

        commits.Fail = true;
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.TrimAsync(maxSizeBytes: 1, maxAge: TimeSpan.Zero, cancellationToken: TestContext.CancellationToken));
        commits.Fail = false;

        Assert.IsEmpty(BlobFiles(folder.Path), "the files went to make room");
        for (var i = 0; i < 4; i++)
        {
            Assert.IsNull(await cache.GetAsync($"k{i}", TestContext.CancellationToken), $"k{i} is a miss, never wrong bytes");
        }

        Assert.AreEqual(0, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount, "the misses removed their rows");
    }

    [TestMethod]
    public async Task ClearAsync_WhoseCommitFindsTheDiskFull_DeletesTheFilesAndCommits()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await FillAsync(cache, 4);

        commits.FailNext(1);
        await cache.ClearAsync(TestContext.CancellationToken);

        Assert.AreEqual(0, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
        Assert.IsEmpty(BlobFiles(folder.Path));
        Assert.IsEmpty(Directory.GetDirectories(folder.Path, "trash-*"));
        await cache.SetAsync("after", Bytes(Threshold + 1, 9), null, TestContext.CancellationToken);
        CollectionAssert.AreEqual(Bytes(Threshold + 1, 9), (await cache.GetAsync("after", TestContext.CancellationToken))?.Data, "the cache works on");
    }

    [TestMethod]
    public async Task ClearAsync_OnADiskThatStaysFull_ThrowsAndEveryEntryReadsAsAMiss()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await FillAsync(cache, 4);

        commits.Fail = true;
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.ClearAsync(TestContext.CancellationToken));
        commits.Fail = false;

        Assert.IsEmpty(BlobFiles(folder.Path), "the files went to make room");
        for (var i = 0; i < 4; i++)
        {
            Assert.IsNull(await cache.GetAsync($"k{i}", TestContext.CancellationToken), $"k{i}");
        }
    }

    // The real thing where this machine allows it: a cache filling a 512 KiB tmpfs until its stores fail, then a trim
    // and a clear that must succeed and give the space back. Needs root and permission to mount (inconclusive elsewhere).
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task TrimAndClear_OfACacheThatFilledItsFilesystem_SucceedAndFreeTheSpace()
    {
        using var folder = new TempFolder();
        await using var mount = await TmpfsMount.TryMountAsync(Directory.CreateDirectory(folder.Combine("small")).FullName, "512k");
        if (mount is null)
        {
            Assert.Inconclusive("needs root on Linux with permission to mount a tmpfs");
            return;
        }

        var mountPoint = mount.Path;
        var cacheFolder = Path.Combine(mountPoint, "cache");
        using (var cache = Open(cacheFolder, configure: o => o.MaxInlineBytes = 16 * 1024))
        {
            await cache.OpeningSweep;
            var stored = 0;
            for (var i = 0; i < 200 && await TryStoreAsync(cache, $"k{i}", Bytes(i % 2 == 0 ? 40_000 : 6_000, i)); i++)
            {
                stored++;
            }

            Assert.IsLessThan(200, stored, "the filesystem filled up");
            var full = new DriveInfo(mountPoint).AvailableFreeSpace;

            var trimmed = await cache.TrimAsync(maxSizeBytes: 100_000, cancellationToken: TestContext.CancellationToken);

            Assert.IsGreaterThan(0, trimmed.SizeRemoved);
            var afterTrim = new DriveInfo(mountPoint).AvailableFreeSpace;
            TestContext.WriteLine($"stored {stored}, free {full} full, {afterTrim} after the trim ({trimmed})");
            Assert.IsGreaterThan(full + 40_000, afterTrim, "the trim gave space back (at least one file)");
            await cache.ClearAsync(TestContext.CancellationToken);
            Assert.AreEqual(0, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
            Assert.IsTrue(await TryStoreAsync(cache, "after", Bytes(40_000, 7)), "the cache stores again");
        }
    }

    private async Task<bool> TryStoreAsync(DiskImageCache cache, string key, byte[] data)
    {
        try
        {
            await cache.SetAsync(key, data, null, TestContext.CancellationToken);
            return true;
        }
        catch (DiskCacheException)
        {
            return false;
        }
    }

    private Task FillAsync(DiskImageCache cache, int count) => DiskCacheTestHelpers.FillAsync(cache, count, Threshold + 100, TestContext.CancellationToken);
}
