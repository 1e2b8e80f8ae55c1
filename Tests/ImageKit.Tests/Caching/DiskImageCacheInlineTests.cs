using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>Entries small enough to live inside the index database (<see cref="DiskImageCacheOptions.MaxInlineBytes"/>).</summary>
[TestClass]
public sealed class DiskImageCacheInlineTests
{
    private const int Threshold = 1000;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SetAsync_AtThresholdAndOneByteOver_InlineThenFile()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = Threshold);
        await cache.SetAsync("at", Bytes(Threshold, 1), new DiskCacheMetadata { ETag = "\"a\"" }, TestContext.CancellationToken);
        await cache.SetAsync("over", Bytes(Threshold + 1, 2), null, TestContext.CancellationToken);

        Assert.IsFalse(File.Exists(BlobPath(folder.Path, "at")), "at the threshold: no file");
        Assert.IsTrue(File.Exists(BlobPath(folder.Path, "over")), "one byte over: a file");
        Assert.AreEqual(1, InlineIndex.BlobRows(folder.Path));
        var at = await cache.GetAsync("at", TestContext.CancellationToken);
        Assert.IsNotNull(at);
        CollectionAssert.AreEqual(Bytes(Threshold, 1), at.Data);
        Assert.AreEqual("\"a\"", at.Metadata.ETag);
        CollectionAssert.AreEqual(Bytes(Threshold + 1, 2), (await cache.GetAsync("over", TestContext.CancellationToken))?.Data);
        Assert.IsTrue(await cache.ContainsAsync("at", TestContext.CancellationToken));
        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual((2L, 2L * Threshold + 1), (stats.EntryCount, stats.TotalBytes), "sizes count inline entries too");
    }

    [TestMethod]
    public async Task SetAsync_ManyAtOnce_AllReadBackAndTheReplacedFileIsGone()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = Threshold);
        await cache.SetAsync("old file", Bytes(Threshold + 10, 9), null, TestContext.CancellationToken);

        // Many writers at once: those that arrive during a commit share the next transaction (GroupCommitTests).
        var writes = Enumerable.Range(0, 40)
            .Select(i => Task.Run(() => cache.SetAsync($"k{i}", Bytes(100 + i, (byte)i), null, TestContext.CancellationToken), TestContext.CancellationToken))
            .Append(Task.Run(() => cache.SetAsync("old file", Bytes(50, 7), null, TestContext.CancellationToken), TestContext.CancellationToken))
            .ToArray();
        await Task.WhenAll(writes);

        Assert.IsLessThanOrEqualTo(41L, cache.InlineTransactions);
        for (var i = 0; i < 40; i++)
        {
            CollectionAssert.AreEqual(Bytes(100 + i, (byte)i), (await cache.GetAsync($"k{i}", TestContext.CancellationToken))?.Data, $"k{i}");
        }

        CollectionAssert.AreEqual(Bytes(50, 7), (await cache.GetAsync("old file", TestContext.CancellationToken))?.Data);
        Assert.IsFalse(File.Exists(BlobPath(folder.Path, "old file")), "the replaced entry's file is gone");
        Assert.AreEqual(41, InlineIndex.BlobRows(folder.Path));
    }

    [TestMethod]
    public async Task SetAsync_DefaultOptions_KeepsSmallEntriesInline()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.SetAsync("k", Bytes(DiskImageCacheOptions.DefaultMaxInlineBytes, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("empty", ReadOnlyMemory<byte>.Empty, null, TestContext.CancellationToken);

        Assert.IsEmpty(BlobFiles(folder.Path));
        Assert.AreEqual(2, InlineIndex.BlobRows(folder.Path));
        Assert.IsEmpty((await cache.GetAsync("empty", TestContext.CancellationToken))!.Data);
    }

    [TestMethod]
    public async Task SetAsync_FileThenInlineThenFile_LeavesNoStaleFileOrRow()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = Threshold);
        await cache.SetAsync("k", Bytes(5000, 1), null, TestContext.CancellationToken);
        Assert.IsTrue(File.Exists(BlobPath(folder.Path, "k")));

        await cache.SetAsync("k", Bytes(500, 2), null, TestContext.CancellationToken);
        Assert.IsFalse(File.Exists(BlobPath(folder.Path, "k")), "file → inline deletes the file");
        Assert.AreEqual(1, InlineIndex.BlobRows(folder.Path));
        CollectionAssert.AreEqual(Bytes(500, 2), (await cache.GetAsync("k", TestContext.CancellationToken))?.Data);

        await cache.SetAsync("k", Bytes(3000, 3), null, TestContext.CancellationToken);
        Assert.AreEqual(0, InlineIndex.BlobRows(folder.Path), "inline → file deletes the inline bytes");
        CollectionAssert.AreEqual(Bytes(3000, 3), (await cache.GetAsync("k", TestContext.CancellationToken))?.Data);

        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual((1L, 3000L), (stats.EntryCount, stats.TotalBytes));
        Assert.AreEqual(new DiskCacheSweepResult(0, 0), await cache.SweepAsync(TestContext.CancellationToken), "nothing to repair");
    }

    [TestMethod]
    public async Task RemoveClearAndUpdateMetadata_InlineEntries_BytesFollowTheRow()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.SetAsync("a", Bytes(100, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("b", Bytes(200, 2), null, TestContext.CancellationToken);
        await cache.SetAsync("c", Bytes(300, 3), null, TestContext.CancellationToken);

        Assert.IsTrue(await cache.UpdateMetadataAsync("b", new DiskCacheMetadata { ETag = "\"v2\"" }, TestContext.CancellationToken));
        var b = await cache.GetAsync("b", TestContext.CancellationToken);
        CollectionAssert.AreEqual(Bytes(200, 2), b?.Data, "new metadata keeps the bytes");
        Assert.AreEqual("\"v2\"", b!.Metadata.ETag);

        Assert.IsTrue(await cache.RemoveAsync("a", TestContext.CancellationToken));
        Assert.AreEqual(2, InlineIndex.BlobRows(folder.Path));
        await cache.ClearAsync(TestContext.CancellationToken);
        Assert.AreEqual(0, InlineIndex.BlobRows(folder.Path));
        Assert.AreEqual(0, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).TotalBytes);
    }

    [TestMethod]
    public async Task TrimAsync_SizeAndAge_RemoveInlineBytes()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var cache = Open(folder.Path, time);
        for (var i = 0; i < 10; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(1000, i), null, TestContext.CancellationToken);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var trimmed = await cache.TrimAsync(maxSizeBytes: 5000, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(6, trimmed.SizeRemoved, "down to 0.8 × 5000");
        Assert.AreEqual(4, InlineIndex.BlobRows(folder.Path));
        Assert.IsNull(await cache.GetAsync("k5", TestContext.CancellationToken));
        Assert.IsNotNull(await cache.GetAsync("k6", TestContext.CancellationToken));

        time.Advance(TimeSpan.FromDays(8));
        var expired = await cache.TrimAsync(cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(4, expired.ExpiredRemoved);
        Assert.AreEqual(0, InlineIndex.BlobRows(folder.Path));
    }

    [TestMethod]
    public async Task GetAsync_ExpiredInlineEntry_MissesAndRemovesItsBytes()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider();
        using var cache = Open(folder.Path, time);
        await cache.SetAsync("k", Bytes(100, 1), null, TestContext.CancellationToken);
        time.Advance(TimeSpan.FromDays(8));

        Assert.IsNull(await cache.GetAsync("k", TestContext.CancellationToken));
        Assert.AreEqual(0, InlineIndex.BlobRows(folder.Path));
    }

    [TestMethod]
    [DataRow("flip")]
    [DataRow("truncate")]
    [DataRow("missing")]
    public async Task GetAsync_DamagedInlineBytes_MissesAndRemovesTheEntry(string damage)
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.SetAsync("k", Bytes(4000, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("other", Bytes(4000, 2), null, TestContext.CancellationToken);
        var id = InlineIndex.Scalar(folder.Path, "SELECT id FROM entries WHERE size = 4000 ORDER BY id LIMIT 1");
        switch (damage)
        {
            case "flip":
                InlineIndex.FlipFirstByte(folder.Path, id); // same length, wrong checksum
                break;
            case "truncate":
                InlineIndex.Execute(folder.Path, $"UPDATE blobs SET data = substr(data, 1, 100) WHERE id = {id}");
                break;
            default:
                InlineIndex.Execute(folder.Path, $"DELETE FROM blobs WHERE id = {id}");
                break;
        }

        Assert.AreEqual(damage == "flip", await cache.ContainsAsync("k", TestContext.CancellationToken), "a wrong length shows without reading the bytes");
        Assert.IsNull(await cache.GetAsync("k", TestContext.CancellationToken));
        Assert.AreEqual(0, InlineIndex.Scalar(folder.Path, $"SELECT COUNT(*) FROM entries WHERE id = {id}"), "the entry is gone");
        Assert.AreEqual(1, InlineIndex.BlobRows(folder.Path));
        CollectionAssert.AreEqual(Bytes(4000, 2), (await cache.GetAsync("other", TestContext.CancellationToken))?.Data);
    }

    [TestMethod]
    public async Task SweepAsync_InlineEntries_AreNotMissingFilesButMissingBytesAre()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.OpeningSweep;
        await cache.SetAsync("good", Bytes(100, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("lost", Bytes(100, 2), null, TestContext.CancellationToken);
        InlineIndex.Execute(folder.Path, "DELETE FROM blobs WHERE id = (SELECT MAX(id) FROM entries)");

        // A file left beside an inline row (as an interrupted file → inline overwrite could leave) is stale.
        var stale = BlobPath(folder.Path, "good");
        Directory.CreateDirectory(Path.GetDirectoryName(stale)!);
        File.WriteAllBytes(stale, Bytes(100, 1));

        Assert.AreEqual(new DiskCacheSweepResult(1, 1), await cache.SweepAsync(TestContext.CancellationToken));
        Assert.IsFalse(File.Exists(stale));
        CollectionAssert.AreEqual(Bytes(100, 1), (await cache.GetAsync("good", TestContext.CancellationToken))?.Data);
        Assert.AreEqual((1L, 100L), await TotalsAsync(cache));
    }

    [TestMethod]
    public async Task SweepAfterTrim_ManyInlineEntries_IndexFileShrinks()
    {
        using var folder = new TempFolder();
        var index = folder.Combine("index.sqlite");
        using (var cache = Open(folder.Path, configure: o => o.FlushWrites = false))
        {
            for (var i = 0; i < 300; i++)
            {
                await cache.SetAsync($"k{i}", Bytes(16_000, i), null, TestContext.CancellationToken);
            }
        }

        var full = new FileInfo(index).Length; // closing the last connection checkpoints the WAL into the file
        Assert.IsGreaterThan(300L * 16_000, full);
        Assert.AreEqual(2, InlineIndex.Scalar(folder.Path, "PRAGMA auto_vacuum"), "incremental");
        using (var cache = Open(folder.Path))
        {
            await cache.OpeningSweep;
            await cache.TrimAsync(maxSizeBytes: 200_000, cancellationToken: TestContext.CancellationToken);
            await cache.SweepAsync(TestContext.CancellationToken);
            Assert.AreEqual(10, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
        }

        var trimmed = new FileInfo(index).Length;
        Assert.IsLessThan(full / 10, trimmed, $"the file shrank from {full} to {trimmed} bytes");
        Assert.AreEqual(0, InlineIndex.Scalar(folder.Path, "PRAGMA freelist_count"));
    }

    [TestMethod]
    [Timeout(30_000, CooperativeCancellation = true)]
    public async Task TrimAndSweep_IndexWithoutAutoVacuum_CompleteAndKeepTheFile()
    {
        // An index whose file got its first page before auto_vacuum was set (another process switched it to WAL first):
        // the vacuum cannot shrink it, and trim and sweep must notice that rather than loop.
        using var folder = new TempFolder();
        InlineIndex.Execute(folder.Path, "PRAGMA journal_mode = WAL; " + ImageKit.Caching.Internal.IndexSchema.Create, create: true);
        Assert.AreEqual(0, InlineIndex.Scalar(folder.Path, "PRAGMA auto_vacuum"));
        using var cache = Open(folder.Path);
        for (var i = 0; i < 50; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(16_000, i), null, TestContext.CancellationToken);
        }

        var trimmed = await cache.TrimAsync(maxSizeBytes: 100_000, cancellationToken: TestContext.CancellationToken);
        await cache.SweepAsync(TestContext.CancellationToken);

        Assert.AreEqual(45, trimmed.SizeRemoved);
        Assert.IsGreaterThan(0, InlineIndex.Scalar(folder.Path, "PRAGMA freelist_count"), "the pages stay free for reuse");
    }

    [TestMethod]
    public async Task Open_VersionOneIndex_IsRecreatedEmptyAndItsFilesSwept()
    {
        using var folder = new TempFolder();
        using (var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0))
        {
            await cache.SetAsync("old", Bytes(100, 1), null, TestContext.CancellationToken);
        }

        InlineIndex.Execute(folder.Path, "PRAGMA user_version = 1");
        using var reopened = Open(folder.Path);
        await reopened.OpeningSweep;

        Assert.IsTrue(reopened.IndexWasRebuilt);
        Assert.IsNull(await reopened.GetAsync("old", TestContext.CancellationToken));
        Assert.IsEmpty(BlobFiles(folder.Path));
        Assert.AreEqual(2, InlineIndex.Scalar(folder.Path, "PRAGMA user_version"));
    }

    [TestMethod]
    public async Task SetAsync_MaxInlineBytesZero_EveryEntryInAFile()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 0);
        await cache.SetAsync("small", Bytes(10, 1), null, TestContext.CancellationToken);
        await cache.SetAsync("empty", ReadOnlyMemory<byte>.Empty, null, TestContext.CancellationToken);

        Assert.HasCount(2, BlobFiles(folder.Path));
        Assert.AreEqual(0, InlineIndex.BlobRows(folder.Path));
        CollectionAssert.AreEqual(Bytes(10, 1), (await cache.GetAsync("small", TestContext.CancellationToken))?.Data);
    }

    [TestMethod]
    [DataRow(-1)]
    [DataRow(DiskImageCacheOptions.MaxInlineBytesLimit + 1)]
    public void Constructor_MaxInlineBytesOutOfRange_Throws(int value)
    {
        using var folder = new TempFolder();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Open(folder.Path, configure: o => o.MaxInlineBytes = value));
        Assert.AreEqual(nameof(DiskImageCacheOptions.MaxInlineBytes), e.ParamName);
    }

    private async Task<(long, long)> TotalsAsync(DiskImageCache cache)
    {
        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        return (stats.EntryCount, stats.TotalBytes);
    }
}
