using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Data.Sqlite;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Several caches (instances and processes) on one folder: what happens when one of them holds the index's write lock
/// for long, and what the others may do at the same time without losing or mixing up entries.
/// </summary>
[TestClass]
public sealed class DiskImageCacheSharedFolderTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// Running totals against the rows, and rows against the blob files, after two instances and a worker process
    /// stored, replaced, removed and trimmed on one folder at once.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Totals_AfterConcurrentWritersRemoversAndTrims_MatchRowsAndFiles()
    {
        using var folder = new TempFolder();
        using var first = Open(folder.Path, TimeProvider.System, o => (o.MaxInlineBytes, o.FlushWrites) = (4096, false));
        using var second = Open(folder.Path, TimeProvider.System, o => (o.MaxInlineBytes, o.FlushWrites, o.MaxSizeBytes) = (4096, false, 600_000));
        await first.OpeningSweep;
        using var worker = new WorkerProcess("write", folder.Path, "k", "600", "40", "4096");
        async Task Churn(DiskImageCache cache, int seed)
        {
            var random = new Random(seed);
            for (var i = 0; i < 400; i++)
            {
                var key = "k" + random.Next(40).ToString(System.Globalization.CultureInfo.InvariantCulture);
                switch (random.Next(10))
                {
                    case < 6:
                        await cache.SetAsync(key, Bytes(random.Next(2) == 0 ? 1000 : 9000 + random.Next(4000), i), null, TestContext.CancellationToken);
                        break;
                    case < 8:
                        await cache.RemoveAsync(key, TestContext.CancellationToken);
                        break;
                    case 8:
                        await cache.GetAsync(key, TestContext.CancellationToken);
                        break;
                    default:
                        await cache.TrimAsync(300_000, null, TestContext.CancellationToken);
                        break;
                }
            }
        }

        await Task.WhenAll(Task.Run(() => Churn(first, 1)), Task.Run(() => Churn(second, 2)));
        Assert.AreEqual(0, await worker.WaitForExitAsync(TestContext.CancellationToken), worker.Errors);

        var stats = await first.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(InlineIndex.Scalar(folder.Path, "SELECT COUNT(*) FROM entries"), stats.EntryCount, "entry count");
        Assert.AreEqual(InlineIndex.Scalar(folder.Path, "SELECT IFNULL(SUM(size), 0) FROM entries"), stats.TotalBytes, "bytes");
        Assert.AreEqual(InlineIndex.Scalar(folder.Path, "SELECT COUNT(*) FROM entries WHERE inline = 0"), BlobFiles(folder.Path).Length, "one file per file row, no orphans");
        Assert.AreEqual(InlineIndex.Scalar(folder.Path, "SELECT COUNT(*) FROM entries WHERE inline = 1"), InlineIndex.BlobRows(folder.Path), "one blobs row per inline row");
        for (var k = 0; k < 40; k++)
        {
            if (await first.GetAsync($"k{k}", TestContext.CancellationToken) is { } entry)
            {
                Assert.IsTrue(entry.Data.Length is 1000 or >= 9000 || ImageKit.TestWorker.WorkerContent.IsValid($"k{k}", entry.Data), $"k{k}");
            }
        }
    }

    /// <summary>
    /// One instance sweeps and clears over and over while another instance and a worker process store, replace and read
    /// file entries: reads are never wrong, and once all are done every file row has its file and every file a row.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task SweepAndClear_WhileOthersStoreFiles_NoWrongBytesNoOrphansNoRowsWithoutFiles()
    {
        using var folder = new TempFolder();
        using var sweeper = Open(folder.Path, TimeProvider.System, o => (o.MaxInlineBytes, o.FlushWrites) = (0, false));
        using var writer = Open(folder.Path, TimeProvider.System, o => (o.MaxInlineBytes, o.FlushWrites) = (0, false));
        await sweeper.OpeningSweep;
        using var worker = new WorkerProcess("write", folder.Path, "w", "400", "30", "0");
        using var stop = new CancellationTokenSource();
        var sweeps = 0;
        var sweeping = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await sweeper.SweepAsync(TestContext.CancellationToken);
                if (++sweeps % 4 == 0)
                {
                    await sweeper.ClearAsync(TestContext.CancellationToken);
                }
            }
        }, TestContext.CancellationToken);
        var wrong = new List<string>();
        for (var i = 0; i < 600; i++)
        {
            var key = "b" + (i % 25).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await writer.SetAsync(key, ImageKit.TestWorker.WorkerContent.Create(key, i), null, TestContext.CancellationToken);
            foreach (var read in (string[])[key, "b" + (i * 7 % 25).ToString(System.Globalization.CultureInfo.InvariantCulture), "w" + (i % 30).ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                if (await writer.GetAsync(read, TestContext.CancellationToken) is { } entry && !ImageKit.TestWorker.WorkerContent.IsValid(read, entry.Data))
                {
                    wrong.Add(read);
                }
            }
        }

        Assert.AreEqual(0, await worker.WaitForExitAsync(TestContext.CancellationToken), worker.Errors);
        await stop.CancelAsync();
        await sweeping;
        Assert.IsEmpty(wrong, "wrong bytes read");
        Assert.IsGreaterThan(3, sweeps);

        var fileRows = new HashSet<string>(StringComparer.Ordinal);
        using (var connection = new SqliteConnection($"Data Source={folder.Combine("index.sqlite")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT key_hash, size FROM entries WHERE inline = 0";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var hex = Convert.ToHexStringLower((byte[])reader.GetValue(0));
                fileRows.Add(hex);
                var path = folder.Combine("blobs", hex[..2], hex);
                Assert.IsTrue(File.Exists(path) && new FileInfo(path).Length == reader.GetInt64(1), $"row {hex} without its file");
            }
        }

        var orphans = BlobFiles(folder.Path).Where(f => !fileRows.Contains(Path.GetFileName(f))).ToList();
        Assert.IsEmpty(orphans, $"{orphans.Count} files without rows");
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("tmp")), "temporary files left");
    }

    /// <summary>
    /// Batched access times of one instance must not bring back an entry another instance removed, nor touch the bytes
    /// or metadata of the entry stored in its place.
    /// </summary>
    [TestMethod]
    public async Task AccessTimes_FlushedAfterAnotherInstanceRemovedOrReplaced_NoResurrectionNoStaleData()
    {
        using var folder = new TempFolder();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var other = Open(folder.Path, time);
        await other.OpeningSweep;
        await other.SetAsync("gone", Bytes(100, 1), null, TestContext.CancellationToken);
        await other.SetAsync("replaced", Bytes(100_000, 2), new DiskCacheMetadata { ETag = "old" }, TestContext.CancellationToken);
        var reader = Open(folder.Path, time);
        Assert.IsNotNull(await reader.GetAsync("gone", TestContext.CancellationToken));
        Assert.IsNotNull(await reader.GetAsync("replaced", TestContext.CancellationToken));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.IsTrue(await other.RemoveAsync("gone", TestContext.CancellationToken));
        await other.SetAsync("replaced", Bytes(50, 3), new DiskCacheMetadata { ETag = "new" }, TestContext.CancellationToken);
        reader.Dispose(); // flushes its pending access times

        Assert.IsNull(await other.GetAsync("gone", TestContext.CancellationToken));
        var entry = await other.GetAsync("replaced", TestContext.CancellationToken);
        CollectionAssert.AreEqual(Bytes(50, 3), entry?.Data);
        Assert.AreEqual("new", entry!.Metadata.ETag);
        Assert.AreEqual(new DiskCacheStatistics(1, 50, 1, 1), await other.GetStatisticsAsync(TestContext.CancellationToken));
    }

    /// <summary>
    /// An index written by a newer ImageKit (another app, or a newer build of this one, on the same folder) is refused,
    /// not recreated: recreating it would throw the newer cache away, and the newer one would then do the same back.
    /// </summary>
    [TestMethod]
    public async Task Open_IndexOfANewerVersion_IsRefusedAndLeftAsItIs()
    {
        using var folder = new TempFolder();
        using (var cache = Open(folder.Path, TimeProvider.System))
        {
            await cache.OpeningSweep;
            await cache.SetAsync("kept", Bytes(100, 1), null, TestContext.CancellationToken);
        }

        InlineIndex.Execute(folder.Path, $"PRAGMA user_version = {ImageKit.Caching.Internal.IndexSchema.Version + 1}");

        var error = Assert.ThrowsExactly<DiskCacheException>(() => Open(folder.Path, TimeProvider.System));

        StringAssert.Contains(error.Message, "newer ImageKit");
        InlineIndex.Execute(folder.Path, $"PRAGMA user_version = {ImageKit.Caching.Internal.IndexSchema.Version}");
        using var reopened = Open(folder.Path, TimeProvider.System);
        Assert.IsNotNull(await reopened.GetAsync("kept", TestContext.CancellationToken), "the refused index was left as it was");
    }
}
