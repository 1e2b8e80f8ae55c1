using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Failures the cache cannot heal reach the caller as <see cref="DiskCacheException"/>, as documented, never as a raw
/// <see cref="IOException"/> or SQLite error. Folders are made to refuse writes even to root (see
/// <see cref="WriteProtection"/>), or a folder is put where the cache expects a file.
/// </summary>
[TestClass]
public sealed class DiskImageCacheFailureTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory(Permissions.UnprivilegedUserTests.Category)]
    public async Task ClearAsync_BlobFolderGoneAndCacheFolderReadOnly_ThrowsDiskCacheException()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.OpeningSweep;
        await cache.SetAsync("big", Bytes(100_000, 1), null, TestContext.CancellationToken);
        Directory.Delete(folder.Combine("blobs"), recursive: true);
        using var protection = OperatingSystem.IsWindows() ? null : WriteProtection.TryApply(folder.Path);
        if (protection is null)
        {
            Assert.Inconclusive("this machine cannot make a folder refuse writes to this user");
        }

        var error = await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.ClearAsync(TestContext.CancellationToken));

        Assert.AreEqual(folder.Path, error.SourceName);
    }

    [TestMethod]
    [TestCategory(Permissions.UnprivilegedUserTests.Category)]
    public async Task Open_IndexFileWriteProtected_IsNotTakenForDamage()
    {
        // SQLite opens a write-protected file read-only, as it does a file whose header names a write version it does not
        // know (damage, recreated: DiskImageCacheFuzzedIndexTests). The protected one must keep its entries.
        using var folder = new TempFolder();
        var stored = Bytes(300, 1);
        using (var first = Open(folder.Path))
        {
            await first.OpeningSweep;
            await first.SetAsync("kept", stored, null, TestContext.CancellationToken);
        }

        using var protection = OperatingSystem.IsWindows() ? null : WriteProtection.TryApply(folder.Combine("index.sqlite"));
        if (protection is null)
        {
            Assert.Inconclusive("this machine cannot make a file refuse writes to this user");
        }

        using var cache = Open(folder.Path);
        var entry = await cache.GetAsync("kept", TestContext.CancellationToken);
        await cache.OpeningSweep;

        Assert.IsFalse(cache.IndexWasRebuilt, "a write-protected index is not damage");
        Assert.IsNotNull(entry, "the write-protected index's entry must still be read");
        CollectionAssert.AreEqual(stored, entry.Data);
        await Assert.ThrowsExactlyAsync<DiskCacheException>(() => cache.SetAsync("new", Bytes(300, 2), null, TestContext.CancellationToken));
    }

    /// <summary>
    /// A cache pointed at a folder of someone else's files (Pictures, the temp folder, a home folder): its sweeps delete
    /// whatever they do not know in <c>blobs/</c> and <c>tmp/</c>, so it must refuse the folder and leave every file as
    /// it was, not create its index there.
    /// </summary>
    [TestMethod]
    public async Task Open_FolderOfOtherFilesWithoutAnIndex_ThrowsAndChangesNothing()
    {
        using var folder = new TempFolder();
        var files = new Dictionary<string, string>
        {
            ["notes.txt"] = "notes",
            [Path.Combine("blobs", "readme.txt")] = "readme",
            [Path.Combine("blobs", "ab", "photo.jpg")] = "photo",
            [Path.Combine("tmp", "draft.txt")] = "draft",
        };
        foreach (var (name, text) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(folder.Combine(name))!);
            File.WriteAllText(folder.Combine(name), text);
            File.SetLastWriteTimeUtc(folder.Combine(name), DateTime.UtcNow.AddDays(-3)); // past every grace period
        }

        var before = Directory.GetFileSystemEntries(folder.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();

        var error = Assert.ThrowsExactly<DiskCacheException>(() => Open(folder.Path).Dispose());

        Assert.AreEqual(folder.Path, error.SourceName);
        StringAssert.Contains(error.Message, "not an ImageKit disk cache");
        StringAssert.Contains(error.Message, "notes.txt");
        await Task.Delay(200, TestContext.CancellationToken); // a background sweep, if one had started, would act now
        CollectionAssert.AreEqual(before, Directory.GetFileSystemEntries(folder.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray());
        foreach (var (name, text) in files)
        {
            Assert.AreEqual(text, File.ReadAllText(folder.Combine(name)), name);
        }
    }

    /// <summary>
    /// Folders that hold nothing but a <c>tmp</c> or <c>blobs</c> folder of their own (the names the cache uses) are not
    /// caches either: what is inside is checked, since that is what the sweeps delete.
    /// </summary>
    [TestMethod]
    [DataRow("tmp/scratch.txt")]
    [DataRow("blobs/holiday/photo.jpg")]
    [DataRow("blobs/ab")]
    public void Open_FolderWhoseTmpOrBlobsHoldOtherFiles_ThrowsAndChangesNothing(string file)
    {
        using var folder = new TempFolder();
        var path = folder.Combine(file.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "someone's file");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-3));

        var error = Assert.ThrowsExactly<DiskCacheException>(() => Open(folder.Path).Dispose());

        StringAssert.Contains(error.Message, "not an ImageKit disk cache");
        Assert.AreEqual("someone's file", File.ReadAllText(path));
        Assert.IsFalse(File.Exists(folder.Combine("index.sqlite")), "no index may be created there");
    }

    /// <summary>
    /// The folder check runs only when there is no <c>index.sqlite</c>, but another cache recreating a damaged index in
    /// the same folder may create it between that look and the listing of the folder (seen once in ~20 loaded runs of
    /// <c>DamagedIndex_OpenedBySeveralCachesAtOnce_OneHealthyIndexWithEveryonesEntries</c>: "holds other files
    /// (index.sqlite)"). The index is the cache's own name; so are the files SQLite and the cache keep beside it.
    /// </summary>
    [TestMethod]
    [DataRow("index.sqlite")]
    [DataRow("index.sqlite-wal")]
    [DataRow("index.sqlite-shm")]
    [DataRow("index.lock")]
    public void FolderCheck_TheIndexAndItsCompanionFiles_AreTheCachesOwn(string name)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.Combine(name), string.Empty);

        Assert.IsTrue(DiskImageCache.IsCacheOwnEntry(folder.Combine(name)));
    }

    /// <summary>
    /// A cache folder whose index was deleted (by hand, or lost) still holds only the cache's own files, and those a file
    /// manager leaves: it opens and starts a new index.
    /// </summary>
    [TestMethod]
    public async Task Open_CacheFolderWhoseIndexWasDeleted_OpensWithANewIndex()
    {
        using var folder = new TempFolder();
        using (var first = Open(folder.Path))
        {
            await first.OpeningSweep;
            await first.SetAsync("big", Bytes(200_000, 1), null, TestContext.CancellationToken); // a blob file
            await first.SetAsync("small", Bytes(300, 2), null, TestContext.CancellationToken);
        }

        File.Delete(folder.Combine("index.sqlite"));
        Assert.HasCount(1, BlobFiles(folder.Path), "the large entry's file is left in blobs/");
        File.WriteAllText(folder.Combine("tmp", Guid.NewGuid().ToString("N") + ".tmp"), "a store cut short");
        File.WriteAllText(folder.Combine(".DS_Store"), "Finder was here");
        File.WriteAllText(folder.Combine("._index.lock"), "macOS extended attributes on a FAT volume");

        using var cache = Open(folder.Path);
        await cache.OpeningSweep;
        Assert.IsNull(await cache.GetAsync("big", TestContext.CancellationToken));
        await cache.SetAsync("again", Bytes(300, 3), null, TestContext.CancellationToken);
        Assert.IsNotNull(await cache.GetAsync("again", TestContext.CancellationToken));
    }

    [TestMethod]
    [TestCategory(Permissions.UnprivilegedUserTests.Category)]
    public async Task Open_FolderReadOnly_ThrowsDiskCacheExceptionSayingSo()
    {
        // An index in WAL mode needs its -shm and -wal files beside it, which a read-only folder cannot take: SQLite
        // says only "unable to open database file".
        using var folder = new TempFolder();
        using (var first = Open(folder.Path))
        {
            await first.OpeningSweep;
            await first.SetAsync("kept", Bytes(300, 1), null, TestContext.CancellationToken);
        }

        using (var protection = OperatingSystem.IsWindows() ? null : WriteProtection.TryApply(folder.Path))
        {
            if (protection is null)
            {
                Assert.Inconclusive("this machine cannot make a folder refuse writes to this user");
            }

            var error = Assert.ThrowsExactly<DiskCacheException>(() => Open(folder.Path).Dispose());

            Assert.AreEqual(folder.Path, error.SourceName);
            StringAssert.Contains(error.Message, "cannot create files in");
            if (Environment.UserName == "root")
            {
                // chattr +i: SQLite cannot open the index at all (SQLITE_CANTOPEN).
                StringAssert.Contains(error.Message, $"cannot create files in {folder.Path} (Operation not permitted)");
                StringAssert.Contains(error.Message, "unable to open database file");
                StringAssert.Contains(error.Message, "errno"); // the operating system's reason, which SQLite's message leaves out
            }
            else
            {
                // Permissions: SQLite opens the index read-only, as it may not create the -shm file (SQLITE_READONLY).
                StringAssert.Contains(error.Message, $"cannot create files in {folder.Path} (Permission denied)");
                StringAssert.Contains(error.Message, "readonly database");
            }
        }

        Assert.IsTrue(File.Exists(folder.Combine("index.sqlite")), "the index must be left as it was");
        using var cache = Open(folder.Path);
        Assert.IsNotNull(await cache.GetAsync("kept", TestContext.CancellationToken), "the entry must still be there once the folder is writable");
    }

    // The reason is the system's, not a guess: a volume mounted read-only says so (it once said "(read-only?)" for every
    // failure, a process out of file descriptors included). Needs root to mount a tmpfs (inconclusive elsewhere).
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Open_OnAVolumeMountedReadOnly_ThrowsDiskCacheExceptionNamingTheReason()
    {
        using var folder = new TempFolder();
        await using var mount = await TmpfsMount.TryMountAsync(Directory.CreateDirectory(folder.Combine("volume")).FullName, "1m");
        if (mount is null)
        {
            Assert.Inconclusive("needs root on Linux with permission to mount a tmpfs");
            return;
        }

        var cacheFolder = Path.Combine(mount.Path, "cache");
        using (var first = Open(cacheFolder))
        {
            await first.OpeningSweep;
            await first.SetAsync("kept", Bytes(300, 1), null, TestContext.CancellationToken);
        }

        await mount.RemountReadOnlyAsync();

        var error = Assert.ThrowsExactly<DiskCacheException>(() => Open(cacheFolder).Dispose());

        StringAssert.Contains(error.Message, $"cannot create files in {cacheFolder} (Read-only file system)");
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task SqliteOutOfMemory_IsReportedAndTheIndexIsKept()
    {
        // SQLite reports some damage as "out of memory" (DiskImageCacheFuzzedIndexTests: index-cell-inside-cell), and the
        // cache then asks SQLite's quick_check. A real allocation failure must not be taken for damage: a worker process
        // caps SQLite's heap below what it uses, reads, opens a second cache and stores under the cap, then lifts it.
        using var folder = new TempFolder();
        var stored = Bytes(300, 1);
        using (var first = Open(folder.Path))
        {
            await first.OpeningSweep;
            await first.SetAsync("kept", stored, null, TestContext.CancellationToken);
        }

        var stamp = await File.ReadAllBytesAsync(folder.Combine("index.lock"), TestContext.CancellationToken);
        IReadOnlyList<string> lines;
        using (var worker = new WorkerProcess("starved", folder.Path, "kept", "0"))
        {
            Assert.AreEqual(0, await worker.WaitForExitAsync(TestContext.CancellationToken), worker.Errors);
            lines = worker.Lines;
        }

        var report = string.Join("\n", lines);
        foreach (var call in (string[])["get: ", "open: ", "set: "])
        {
            var line = lines.SingleOrDefault(l => l.StartsWith(call, StringComparison.Ordinal));
            Assert.IsNotNull(line, report);
            if (call != "get: " || line != "get: ok") // a read may find all it needs already allocated
            {
                StringAssert.StartsWith(line, call + nameof(DiskCacheException) + ":", report);
                StringAssert.Contains(line, "out of memory", report);
            }
        }

        CollectionAssert.Contains(lines.ToList(), "after: ok", report);
        CollectionAssert.AreEqual(stamp, await File.ReadAllBytesAsync(folder.Combine("index.lock"), TestContext.CancellationToken), "the index was recreated");
        using var cache = Open(folder.Path);
        var entry = await cache.GetAsync("kept", TestContext.CancellationToken);
        Assert.IsNotNull(entry, "the entry stored before the allocation failures must still be there");
        CollectionAssert.AreEqual(stored, entry.Data);
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux | OperatingSystems.OSX)]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task GetAsync_ProcessOutOfFileDescriptors_KeepsTheEntry()
    {
        // "Too many open files" passes: a read that cannot open an intact blob's file is a miss, not damage, and must not
        // remove the entry. A worker process runs out of descriptors for real (RLIMIT_NOFILE), reads, then frees them.
        using var folder = new TempFolder();
        var stored = Bytes(100_000, 1); // above MaxInlineBytes: a file of its own
        using (var first = Open(folder.Path))
        {
            await first.OpeningSweep;
            await first.SetAsync("kept", stored, null, TestContext.CancellationToken);
        }

        IReadOnlyList<string> lines;
        using (var worker = new WorkerProcess("no-fds", folder.Path, "kept", "0"))
        {
            Assert.AreEqual(0, await worker.WaitForExitAsync(TestContext.CancellationToken), worker.Errors);
            lines = worker.Lines;
        }

        var report = string.Join("\n", lines);
        Assert.IsTrue(lines.Any(l => l.StartsWith("exhausted: IOException", StringComparison.Ordinal)), "precondition: the worker could still open files\n" + report);
        Assert.IsTrue(lines.Contains("get: missing") || lines.Any(l => l.StartsWith("get: " + nameof(DiskCacheException), StringComparison.Ordinal)), report);
        CollectionAssert.Contains(lines.ToList(), "after: ok", report);
        using var cache = Open(folder.Path);
        var entry = await cache.GetAsync("kept", TestContext.CancellationToken);
        Assert.IsNotNull(entry, "the entry read while no file could be opened must still be there");
        CollectionAssert.AreEqual(stored, entry.Data);
    }

    [TestMethod]
    public async Task SweepAsync_DamagedIndexThatCannotBeRecreated_ThrowsDiskCacheException()
    {
        using var folder = new TempFolder();
        // Garbage in the middle of the index: the cheap probe at open does not read it, the sweep's full check does.
        await FillThenDamageIndexMiddleAsync(folder.Path, TestContext.CancellationToken);
        var index = folder.Combine("index.sqlite");

        using var reopened = Open(folder.Path);
        await reopened.OpeningSweep;
        Assert.IsFalse(reopened.IndexWasRebuilt, "precondition: the damage is not seen at open");

        // The open connections keep the damaged file; a new one can be created neither in its place nor beside it.
        File.Delete(index);
        Directory.CreateDirectory(index);
        await File.WriteAllTextAsync(Path.Combine(index, "occupied"), "x", TestContext.CancellationToken);

        var error = await Assert.ThrowsExactlyAsync<DiskCacheException>(() => reopened.SweepAsync(TestContext.CancellationToken));

        StringAssert.Contains(error.SourceName, folder.Path);
    }
}
