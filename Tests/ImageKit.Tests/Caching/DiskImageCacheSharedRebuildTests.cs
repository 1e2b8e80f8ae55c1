using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Tests.TestUtilities;
using Microsoft.Data.Sqlite;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Several caches (instances and processes) on one folder while one of them recreates the index (damaged, or of another
/// schema version): afterwards they all share one healthy index, and nothing acknowledged after it is lost.
/// </summary>
[TestClass]
public sealed class DiskImageCacheSharedRebuildTests
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
    /// The same, where the stamp's change time does not move (FAT keeps 2 s, HFS+ 1 s, exFAT 10 ms, and FUSE caches it):
    /// the survivor must still recognise the rebuild by the identifier in the stamp, not delete the new index when it
    /// meets the old one's damage. Found on an exFAT (FUSE) mount, where the test above failed every run.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task IndexRecreatedByAnotherCache_StampTimeUnchanged_TheSurvivorUsesTheNewIndex()
    {
        using var folder = new TempFolder();
        using var survivor = Open(folder.Path, TimeProvider.System);
        await survivor.OpeningSweep;
        await survivor.SetAsync("before", Bytes(100, 1), null, TestContext.CancellationToken);
        var stampTime = File.GetLastWriteTimeUtc(folder.Combine("index.lock"));
        InlineIndex.Execute(folder.Path, "PRAGMA wal_checkpoint(TRUNCATE)");
        using (var stream = File.OpenWrite(folder.Combine("index.sqlite")))
        {
            stream.Write(new byte[100]);
        }

        using (var rebuilder = Open(folder.Path, TimeProvider.System))
        {
            Assert.IsTrue(rebuilder.IndexWasRebuilt);
            await rebuilder.OpeningSweep;
            await rebuilder.SetAsync("from-rebuilder", Bytes(100, 2), null, TestContext.CancellationToken);
        }

        File.SetLastWriteTimeUtc(folder.Combine("index.lock"), stampTime);

        await survivor.GetAsync("before", TestContext.CancellationToken);
        await survivor.SetAsync("from-survivor", Bytes(100, 3), null, TestContext.CancellationToken);

        using var later = Open(folder.Path, TimeProvider.System);
        Assert.IsNotNull(await later.GetAsync("from-rebuilder", TestContext.CancellationToken), $"the rebuilder's entry survives; survivor recreated the index too: {survivor.IndexWasRebuilt}");
        Assert.IsNotNull(await later.GetAsync("from-survivor", TestContext.CancellationToken));
        Assert.IsFalse(survivor.IndexWasRebuilt);
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
    /// A cache opening the folder while another one recreates the index (which holds <c>index.lock</c> exclusively from
    /// deleting the old files until the new one is complete) waits for it: opening the path in between would create a
    /// file whose journal the rebuild could still delete, and both would then write into one file through two journals.
    /// </summary>
    [TestMethod]
    [Timeout(30_000, CooperativeCancellation = true)]
    public async Task Open_WhileAnotherCacheRecreatesTheIndex_WaitsUntilItIsDone()
    {
        using var folder = new TempFolder();
        using (var cache = Open(folder.Path, TimeProvider.System))
        {
            await cache.SetAsync("old", Bytes(100, 1), null, TestContext.CancellationToken);
        }

        Task<DiskImageCache> opening;
        using (new FileStream(folder.Combine("index.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            opening = Task.Run(() => Open(folder.Path, TimeProvider.System), TestContext.CancellationToken);
            await Task.Delay(500, TestContext.CancellationToken);
            Assert.IsFalse(opening.IsCompleted, "the cache opened the index while a rebuild held index.lock");
        }

        using var opened = await opening;
        Assert.IsNotNull(await opened.GetAsync("old", TestContext.CancellationToken));
    }

    /// <summary>
    /// The fuzzing finding behind "SQLite Error 10: 'disk I/O error'" (SQLITE_IOERR_FSTAT, errno ENOENT) when two caches
    /// opened a damaged folder that had no <c>index.lock</c> yet, so neither held the shared lock: one recreated the index
    /// between the other's opening of the file and its first read. That read opens the WAL, for which SQLite looks the
    /// database up by its path, and the path is gone. It must count as "replaced underneath" (the opener then waits for
    /// the rebuild and uses the new index), not as an I/O error that fails the open. Real SQLite, real deleted file.
    /// </summary>
    [TestMethod]
    public async Task IndexDeletedAfterAConnectionOpenedIt_ItsFirstReadCountsAsReplacedUnderneath()
    {
        using var folder = new TempFolder();
        using (var cache = Open(folder.Path, TimeProvider.System))
        {
            await cache.SetAsync("old", Bytes(100, 1), null, TestContext.CancellationToken);
        }

        var path = folder.Combine("index.sqlite");
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        foreach (var suffix in (string[])["", "-wal", "-shm"])
        {
            File.Delete(path + suffix);
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master";
        var e = Assert.ThrowsExactly<SqliteException>(() => command.ExecuteScalar());
        Assert.AreEqual(1802, e.SqliteExtendedErrorCode, e.Message);
        IndexDatabase.NoteSystemError(e, connection);

        Assert.IsTrue(IndexDatabase.WasReplacedUnderneath(e), IndexDatabase.Describe(e));
        StringAssert.Contains(IndexDatabase.Describe(e), "errno 2");
    }

    private static string IntegrityCheck(string folder)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "index.sqlite")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return command.ExecuteScalar() as string ?? "null";
    }
}
