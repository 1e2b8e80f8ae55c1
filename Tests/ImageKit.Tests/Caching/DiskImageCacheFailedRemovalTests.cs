using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A removal, trim or clear whose index transaction fails to commit (an I/O error, or a full disk for a removal,
/// injected through <see cref="DiskImageCacheOptions.BeforeIndexCommit"/>) leaves the rows it meant to delete: their
/// files must still be there, so that the entries stay readable. Files go only once the deletion of their rows is
/// committed. (A trim or clear on a full disk makes room first: see <see cref="DiskImageCacheFullDiskTests"/>.)
/// </summary>
[TestClass]
public sealed class DiskImageCacheFailedRemovalTests
{
    private const int Threshold = 1000;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task RemoveAsync_WhoseCommitFails_EntryStaysReadable()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await cache.SetAsync("k", Bytes(Threshold + 500, 1), null, TestContext.CancellationToken);

        commits.Fail = true;
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.RemoveAsync("k", TestContext.CancellationToken));
        commits.Fail = false;

        CollectionAssert.AreEqual(Bytes(Threshold + 500, 1), (await cache.GetAsync("k", TestContext.CancellationToken))?.Data,
            "the removal was not committed: its row stays, and so must its file");
    }

    [TestMethod]
    public async Task TrimAsync_WhoseCommitFails_EntriesStayReadable()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures { ErrorCode = 10 };
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await FillAsync(cache, 4);

        commits.Fail = true;
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.TrimAsync(maxSizeBytes: 1, maxAge: TimeSpan.Zero, cancellationToken: TestContext.CancellationToken));
        commits.Fail = false;

        await AssertReadableAsync(cache, 4);
    }

    [TestMethod]
    public async Task ClearAsync_WhoseCommitFails_EntriesStayReadable()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures { ErrorCode = 10 };
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await FillAsync(cache, 4);

        commits.Fail = true;
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.ClearAsync(TestContext.CancellationToken));
        commits.Fail = false;

        await AssertReadableAsync(cache, 4);

        Assert.IsEmpty(Directory.GetDirectories(folder.Path, "trash-*"), "the blob folder was put back, not left as trash");
    }

    /// <summary>
    /// A clear moves the blob folder to a <c>trash-</c> folder inside its transaction and puts it back if that fails. A
    /// sweep of another cache on the folder meanwhile deleted every <c>trash-</c> folder it found, that one too: the clear
    /// then failed with nothing to put back, and every entry was lost. The sweep waits for the write lock, and may take a
    /// second or two to show that it does not return before the clear ends.
    /// </summary>
    [TestMethod]
    public async Task SweepAsync_OfAnotherCacheDuringAClearWhoseCommitFails_LeavesTheClearItsFolderToPutBack()
    {
        using var folder = new TempFolder();
        Task<DiskCacheSweepResult>? sweep = null;
        DiskImageCache other = null!;
        var commits = new CommitFailures
        {
            ErrorCode = 10,
            DuringFailingCommit = () =>
            {
                sweep = other.SweepAsync(TestContext.CancellationToken);
                _ = ((Task)sweep).Wait(TimeSpan.FromSeconds(2), TestContext.CancellationToken);
            },
        };
        using var cache = commits.OpenCache(folder.Path, Threshold);
        using (other = Open(folder.Path, configure: o => o.MaxInlineBytes = Threshold))
        {
            await other.OpeningSweep;
            await FillAsync(cache, 4);

            commits.FailNext(1);
            await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.ClearAsync(TestContext.CancellationToken));
            Assert.IsNotNull(sweep);
            await sweep;
        }

        await AssertReadableAsync(cache, 4);
    }

    /// <summary>
    /// A read that meets an expired entry removes it; when that removal's commit fails, the row stays, and an expired row
    /// that was not removed is brought back by <see cref="DiskImageCache.UpdateMetadataAsync"/> (a late HTTP 304). The
    /// read deleted the file inside the transaction, so the revived entry had no bytes.
    /// </summary>
    [TestMethod]
    public async Task GetAsync_MeetingAnExpiredEntryWhoseRemovalFails_LeavesItsFileForTheRowThatStays()
    {
        using var folder = new TempFolder();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var commits = new CommitFailures();
        using var cache = Open(folder.Path, time, o =>
        {
            o.MaxInlineBytes = Threshold;
            o.ExpiryBasis = DiskCacheExpiryBasis.Stored;
            o.MaxAge = TimeSpan.FromDays(1);
            o.BeforeIndexCommit = commits.Check;
        });
        await cache.OpeningSweep;
        await cache.SetAsync("k", Bytes(Threshold + 500, 1), null, TestContext.CancellationToken);
        time.Advance(TimeSpan.FromDays(2));

        commits.Fail = true;
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.GetAsync("k", TestContext.CancellationToken));
        commits.Fail = false;

        Assert.IsTrue(await cache.UpdateMetadataAsync("k", new DiskCacheMetadata { ETag = "new" }, TestContext.CancellationToken), "the row stayed");
        var entry = await cache.GetAsync("k", TestContext.CancellationToken);
        CollectionAssert.AreEqual(Bytes(Threshold + 500, 1), entry?.Data, "the removal was not committed: its row stays, and so must its file");
        Assert.AreEqual("new", entry?.Metadata.ETag);
    }

    [TestMethod]
    public async Task RemoveTrimAndClear_ThatCommit_LeaveNoFileOfTheirEntries()
    {
        using var folder = new TempFolder();
        var commits = new CommitFailures();
        using var cache = commits.OpenCache(folder.Path, Threshold);
        await FillAsync(cache, 6);

        Assert.IsTrue(await cache.RemoveAsync("k0", TestContext.CancellationToken));
        Assert.IsFalse(File.Exists(BlobPath(folder.Path, "k0")));
        Assert.HasCount(5, BlobFiles(folder.Path));

        var trimmed = await cache.TrimAsync(maxSizeBytes: 3 * (Threshold + 110), cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(trimmed.SizeRemoved, 5 - BlobFiles(folder.Path).Length, "one file deleted a trimmed entry");
        Assert.IsGreaterThan(0, trimmed.SizeRemoved);

        await cache.ClearAsync(TestContext.CancellationToken);
        Assert.IsEmpty(BlobFiles(folder.Path));
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")), "the files are deleted once their rows' deletion is committed, none is left aside");
        Assert.IsEmpty(Directory.GetDirectories(folder.Path, "trash-*"));
    }

    // Entries k0, k1, … each in a file of its own (larger than the index keeps inline).
    private Task FillAsync(DiskImageCache cache, int count) => DiskCacheTestHelpers.FillAsync(cache, count, Threshold + 100, TestContext.CancellationToken);

    private async Task AssertReadableAsync(DiskImageCache cache, int count)
    {
        for (var i = 0; i < count; i++)
        {
            CollectionAssert.AreEqual(Bytes(Threshold + 100 + i, i), (await cache.GetAsync($"k{i}", TestContext.CancellationToken))?.Data, $"k{i}");
        }
    }
}
