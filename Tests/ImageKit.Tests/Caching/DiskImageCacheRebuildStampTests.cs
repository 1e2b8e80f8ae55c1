using System.Diagnostics;
using System.Runtime.InteropServices;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// The rebuild stamp (<c>index.lock</c>: its OS lock serialises rebuilds, the identifier in it tells the other caches
/// that one happened) at the edges a review of it found: a cache that opens while another holds the stamp for a moment,
/// a late retirement of connections that another thread had already retired, and a rebuild on a full disk.
/// </summary>
[TestClass]
public sealed partial class DiskImageCacheRebuildStampTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// Another cache (or process) holds the stamp's exclusive lock for a moment (noting it, or rebuilding) just as this
    /// cache opens. It used to read no identifier then, and where the stamp held one (any rebuild in the folder's past),
    /// the first damage this cache met looked like "another cache recreated it": it adopted the damaged file and the
    /// read failed instead of the index being recreated silently.
    /// </summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Open_WhileAnotherHoldsTheStampForAMoment_LaterDamageIsStillHealedSilently(bool stampHeldAtOpen)
    {
        using var folder = new TempFolder();
        await FillThenDamageIndexMiddleAsync(folder.Path, TestContext.CancellationToken);
        var previous = Guid.NewGuid();
        await File.WriteAllBytesAsync(folder.Combine("index.lock"), previous.ToByteArray(), TestContext.CancellationToken); // a rebuild long ago

        DiskImageCache reopened;
        using (stampHeldAtOpen ? new StampHolder(folder.Combine("index.lock")) : null)
        {
            reopened = Open(folder.Path);
        }

        using (reopened)
        {
            Assert.AreEqual(previous, reopened.Index.NotedStampId, "the identifier is read at open, once the other cache lets go");
            var failures = new List<string>();
            for (var i = 0; i < 400; i += 7)
            {
                try
                {
                    await reopened.GetAsync($"k{i}", TestContext.CancellationToken);
                }
                catch (DiskCacheException e)
                {
                    failures.Add($"k{i}: {e.Message}");
                }
            }

            await reopened.SweepAsync(TestContext.CancellationToken);
            Assert.IsEmpty(failures, $"a damaged index is healed silently; {failures.Count} reads threw: {string.Join(" | ", failures.Take(2))}");
            Assert.IsTrue(reopened.IndexWasRebuilt, "a read or the sweep's check found the damage and recreated the index");
        }
    }

    /// <summary>
    /// A thread whose generation is stale (it waited for the write lock while another thread of the same cache retired
    /// that generation) retires it late. It used to note the stamp as it is now without retiring the current connections:
    /// if another cache had recreated the index in between, a current connection still on the old, damaged file then met
    /// the damage, the rebuild found the stamp "unchanged", and deleted the index the other cache had just made.
    /// </summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task StaleRetire_ThenDamageInTheOldFile_KeepsTheIndexAnotherCacheJustMade(bool staleRetire)
    {
        using var folder = new TempFolder();
        await FillThenDamageIndexMiddleAsync(folder.Path, TestContext.CancellationToken);
        using var survivor = Open(folder.Path);
        var index = survivor.Index;
        await survivor.GetStatisticsAsync(TestContext.CancellationToken); // a pooled connection on the old (damaged) file

        using (var rebuilder = Open(folder.Path))
        {
            await rebuilder.SweepAsync(TestContext.CancellationToken); // its full check finds the damage: recreated
            Assert.IsTrue(rebuilder.IndexWasRebuilt);
            await rebuilder.SetAsync("from-rebuilder", Bytes(100, 2), null, TestContext.CancellationToken);
        }

        if (staleRetire)
        {
            index.Retire(index.Generation - 1);
        }

        index.PostponeMoveCheck(); // the reads below use the pooled connection on the old file, as within a second of the rebuild
        for (var i = 0; i < 400 && !survivor.IndexWasRebuilt; i++)
        {
            try
            {
                await survivor.GetAsync($"k{i}", TestContext.CancellationToken);
            }
            catch (DiskCacheException)
            {
            }
        }

        using var later = Open(folder.Path);
        Assert.IsNotNull(await later.GetAsync("from-rebuilder", TestContext.CancellationToken), $"the rebuilder's entry survives (the survivor recreated the index too: {survivor.IndexWasRebuilt})");
        Assert.IsFalse(survivor.IndexWasRebuilt);
    }

    /// <summary>
    /// A damaged index on a disk the cache filled: the rebuild's first identifier needs a block of the full disk. Its
    /// <see cref="IOException"/> used to escape the read; what a read may throw is <see cref="DiskCacheException"/>.
    /// </summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task DamagedIndex_OnAFullDisk_ReadsThrowOnlyDiskCacheException()
    {
        using var folder = new TempFolder();
        await using var mount = await TmpfsMount.TryMountAsync(Directory.CreateDirectory(folder.Combine("small")).FullName, "12m");
        if (mount is null)
        {
            Assert.Inconclusive("needs root on Linux with permission to mount a tmpfs");
            return;
        }

        var path = Path.Combine(mount.Path, "cache");
        await FillThenDamageIndexMiddleAsync(path, TestContext.CancellationToken);
        Assert.AreEqual(0L, new FileInfo(Path.Combine(path, "index.lock")).Length, "never rewritten");
        using var cache = Open(path);
        await cache.GetStatisticsAsync(TestContext.CancellationToken);
        FillTheDisk(Path.Combine(mount.Path, "filler"));

        var failures = new List<string>();
        for (var i = 0; i < 400; i += 3)
        {
            try
            {
                await cache.GetAsync($"k{i}", TestContext.CancellationToken);
            }
            catch (DiskCacheException)
            {
            }
            catch (Exception e)
            {
                failures.Add($"k{i}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.IsEmpty(failures, string.Join(" | ", failures.Take(2)));
    }

    /// <summary>index.lock is a folder: a damaged index then fails quickly, with a <see cref="DiskCacheException"/>.</summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task StampIsAFolder_DamagedIndex_FailsQuicklyWithDiskCacheException()
    {
        using var folder = new TempFolder();
        await FillThenDamageIndexMiddleAsync(folder.Path, TestContext.CancellationToken);
        File.Delete(folder.Combine("index.lock"));
        Directory.CreateDirectory(folder.Combine("index.lock"));
        using var reopened = Open(folder.Path);
        var watch = Stopwatch.StartNew();
        Exception? error = null;
        try
        {
            await reopened.SweepAsync(TestContext.CancellationToken);
        }
        catch (Exception e)
        {
            error = e;
        }

        Assert.IsLessThan(5.0, watch.Elapsed.TotalSeconds, $"took {watch.Elapsed}: {error?.Message}");
        Assert.IsTrue(error is null or DiskCacheException, $"{error}");
    }

    private static void FillTheDisk(string filler)
    {
        using var stream = new FileStream(filler, FileMode.CreateNew);
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                stream.Write(chunk);
                stream.Flush();
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }

    /// <summary>Takes index.lock's exclusive flock again the moment a shared one is let go, with short gaps (another cache noting or rebuilding).</summary>
    private sealed partial class StampHolder : IDisposable
    {
        private const int LockExclusive = 2;
        private const int Unlock = 8;
        private readonly int _fd;
        private readonly Thread _thread;
        private volatile bool _stop;

        public StampHolder(string path)
        {
            _fd = Open(path, 0);
            if (_fd < 0)
            {
                throw new IOException($"open failed: {Marshal.GetLastPInvokeError()}");
            }

            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    _ = Flock(_fd, LockExclusive);
                    Thread.Sleep(8);
                    _ = Flock(_fd, Unlock);
                    Thread.Sleep(3);
                }
            })
            { IsBackground = true };
            _thread.Start();
            Thread.Sleep(20); // holding it
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
            _ = Close(_fd);
        }

        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
        private static partial int Flock(int fd, int operation);

        [LibraryImport("libc", EntryPoint = "close")]
        private static partial int Close(int fd);
    }
}
