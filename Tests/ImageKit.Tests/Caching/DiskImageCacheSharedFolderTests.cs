using System.Diagnostics;
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
    /// A worker process keeps storing entries; this process opens the folder, finds the index of another schema version
    /// (an app update while an older build still runs; damage is handled the same way) and recreates it. Every store the
    /// worker began after the new index was in place, and acknowledged, must be in it. (Stores begun earlier may have
    /// gone into the old file; which ones did is not knowable from here.)
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task IndexRecreatedByThisProcess_WhileAWorkerStores_StoresItBeginsAfterwardArePresent()
    {
        using var folder = new TempFolder();
        using (var cache = Open(folder.Path, TimeProvider.System))
        {
            await cache.OpeningSweep;
        }

        long recreatedAt;
        IReadOnlyList<int> afterwards;
        using (var worker = new WorkerProcess("write", folder.Path, "w-", "0", "0"))
        {
            var started = worker.WaitForAcknowledgedAsync(20);
            Assert.AreSame(started, await Task.WhenAny(started, Task.Delay(TimeSpan.FromSeconds(20), TestContext.CancellationToken)), worker.Errors);
            InlineIndex.Execute(folder.Path, "PRAGMA user_version = 1");
            using (var rebuilder = Open(folder.Path, TimeProvider.System))
            {
                Assert.IsTrue(rebuilder.IndexWasRebuilt);
                recreatedAt = DateTime.UtcNow.Ticks;
            }

            var more = worker.WaitForAcknowledgedAsync(50, recreatedAt);
            Assert.AreSame(more, await Task.WhenAny(more, Task.Delay(TimeSpan.FromSeconds(20), TestContext.CancellationToken)), worker.Errors);
            worker.Kill();
            afterwards = worker.AcknowledgedStartedAfter(recreatedAt);
        }

        using var reopened = Open(folder.Path, TimeProvider.System, o => o.MaxAge = TimeSpan.Zero);
        var missing = new List<int>();
        foreach (var i in afterwards)
        {
            if (await reopened.GetAsync($"w-{i}", TestContext.CancellationToken) is null)
            {
                missing.Add(i);
            }
        }

        Assert.IsEmpty(missing, $"{afterwards.Count} stores begun after the index was recreated (w-{afterwards[0]} on); missing {missing.Count}: w-{string.Join(", w-", missing.Take(10))}");
    }

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

    private static string IntegrityCheck(string folder)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "index.sqlite")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return command.ExecuteScalar() as string ?? "null";
    }

    /// <summary>Open handles of this process on index files that were deleted (Linux: /proc/self/fd), for diagnostics.</summary>
    private static string DeletedIndexHandles(string folder)
    {
        if (!Directory.Exists("/proc/self/fd"))
        {
            return "unknown";
        }

        var names = Directory.GetFiles("/proc/self/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Where(t => t is not null && t.StartsWith(folder, StringComparison.Ordinal) && t.EndsWith("(deleted)", StringComparison.Ordinal))
            .Select(t => Path.GetFileName(t!));
        return string.Join(", ", names) is { Length: > 0 } list ? list : "none";
    }

    /// <summary>
    /// Two caches on one folder; one of them (another app version, or one that met damage) recreates the index while the
    /// other has it open. Afterwards both must still share one index: what either stores, the other (and a later
    /// opener) finds.
    /// </summary>
    [TestMethod]
    [DataRow("other-schema-version")]
    [DataRow("damaged-header")]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task IndexRecreatedByAnotherCache_WhileOpen_BothStillShareOneIndex(string cause)
    {
        using var folder = new TempFolder();
        using var survivor = Open(folder.Path, TimeProvider.System);
        await survivor.OpeningSweep;
        await survivor.SetAsync("before", Bytes(100, 1), null, TestContext.CancellationToken);
        Assert.IsNotNull(await survivor.GetAsync("before", TestContext.CancellationToken));
        if (cause == "other-schema-version")
        {
            InlineIndex.Execute(folder.Path, "PRAGMA user_version = 1");
        }
        else
        {
            InlineIndex.Execute(folder.Path, "PRAGMA wal_checkpoint(TRUNCATE)");
            using var stream = File.OpenWrite(folder.Combine("index.sqlite"));
            stream.Write(new byte[100]);
        }

        using (var rebuilder = Open(folder.Path, TimeProvider.System))
        {
            Assert.IsTrue(rebuilder.IndexWasRebuilt);
            await rebuilder.OpeningSweep;
            await rebuilder.SetAsync("from-rebuilder", Bytes(100, 2), null, TestContext.CancellationToken);
        }

        Exception? survivorError = null;
        try
        {
            await survivor.SetAsync("from-survivor", Bytes(100, 3), null, TestContext.CancellationToken);
        }
        catch (DiskCacheException e)
        {
            survivorError = e;
        }

        var survivorSeesRebuilder = await survivor.GetAsync("from-rebuilder", TestContext.CancellationToken) is not null;
        var ghosts = DeletedIndexHandles(folder.Path);
        using var later = Open(folder.Path, TimeProvider.System);
        var laterSeesSurvivor = await later.GetAsync("from-survivor", TestContext.CancellationToken) is not null;
        var laterSeesRebuilder = await later.GetAsync("from-rebuilder", TestContext.CancellationToken) is not null;
        Assert.IsTrue(
            survivorError is null && survivorSeesRebuilder && laterSeesSurvivor && laterSeesRebuilder,
            $"survivor store: {(survivorError is null ? "ok" : survivorError.Message)}; survivor sees rebuilder's entry: {survivorSeesRebuilder}; " +
            $"a later opener sees the survivor's entry: {laterSeesSurvivor}, the rebuilder's: {laterSeesRebuilder}; " +
            $"survivor recreated the index too: {survivor.IndexWasRebuilt}; handles this process holds on deleted index files: {ghosts}");
    }

    /// <summary>
    /// Several caches open a folder whose index is damaged at the same moment (as several processes do after a crash):
    /// each may recreate it, but afterwards they must share one healthy index holding what each stored.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task DamagedIndex_OpenedBySeveralCachesAtOnce_OneHealthyIndexWithEveryonesEntries()
    {
        var lost = new List<string>();
        var checks = new List<string>();
        var failures = new List<string>();
        for (var round = 0; round < 6; round++)
        {
            using var folder = new TempFolder();
            using (var cache = Open(folder.Path, TimeProvider.System))
            {
                await cache.SetAsync("old", Bytes(100, 1), null, TestContext.CancellationToken);
            }

            File.WriteAllBytes(folder.Combine("index.sqlite"), Bytes(8192, round));
            using var gate = new Barrier(6);
            var opened = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            {
                gate.SignalAndWait(TestContext.CancellationToken);
                try
                {
                    return Open(folder.Path, TimeProvider.System);
                }
                catch (DiskCacheException e)
                {
                    lock (failures)
                    {
                        failures.Add($"round {round}: {e.Message} (extended code {(e.InnerException as SqliteException)?.SqliteExtendedErrorCode})");
                    }

                    return null;
                }
            }, TestContext.CancellationToken)));
            var caches = opened.OfType<DiskImageCache>().ToArray();
            try
            {
                await Task.WhenAll(caches.Select((c, i) => Task.Run(async () =>
                {
                    for (var k = 0; k < 10; k++)
                    {
                        await c.SetAsync($"c{i}-{k}", Bytes(100, k), null, TestContext.CancellationToken);
                    }
                }, TestContext.CancellationToken)));
            }
            finally
            {
                foreach (var c in caches)
                {
                    c.Dispose();
                }
            }

            using var later = Open(folder.Path, TimeProvider.System);
            for (var i = 0; i < caches.Length; i++)
            {
                for (var k = 0; k < 10; k++)
                {
                    if (await later.GetAsync($"c{i}-{k}", TestContext.CancellationToken) is null)
                    {
                        lost.Add($"round {round}: c{i}-{k}");
                    }
                }
            }

            later.Dispose();
            var check = IntegrityCheck(folder.Path);
            if (check != "ok")
            {
                checks.Add($"round {round}: {check}");
            }
        }

        Assert.IsTrue(
            failures.Count == 0 && lost.Count == 0 && checks.Count == 0,
            $"{failures.Count} opens failed ({string.Join("; ", failures.Take(4))}); lost {lost.Count} stored entries ({string.Join("; ", lost.Take(6))}); integrity: {string.Join("; ", checks)}");
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
