using System.Diagnostics;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Data.Sqlite;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Another process holds the index's write lock past the busy timeout: opening, reading, the access-time flush and
/// Dispose still work or fail quietly, never taking the process down.
/// </summary>
[TestClass]
public sealed class DiskImageCacheBusyIndexTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// Dispose writes the pending access times; when another process holds the write lock past the busy timeout, that
    /// write fails. Documented: Dispose closes every handle; it must not throw and leave the index open.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Dispose_PendingAccessTimesWhileAnotherProcessHoldsTheWriteLock_DoesNotThrow()
    {
        using var folder = new TempFolder();
        var cache = Open(folder.Path);
        await cache.OpeningSweep;
        await cache.SetAsync("k", Bytes(100, 1), null, TestContext.CancellationToken);
        Assert.IsNotNull(await cache.GetAsync("k", TestContext.CancellationToken)); // a pending access time
        using (IndexWriteLock.Hold(folder.Path))
        {
            var thrown = await Task.Run(() =>
            {
                try
                {
                    cache.Dispose();
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            }, TestContext.CancellationToken);
            Assert.IsNull(thrown, $"Dispose threw: {thrown}");
        }
    }

    /// <summary>
    /// A process reads an entry (its access time is written by a 2 s timer) while another process holds the write lock
    /// for longer than the busy timeout. The timer's write fails: the process must survive it.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task AccessTimer_WriteLockHeldElsewherePastTheBusyTimeout_ReaderProcessSurvives()
    {
        using var folder = new TempFolder();
        using (var cache = Open(folder.Path, TimeProvider.System))
        {
            await cache.OpeningSweep; // the worker then sees a recent sweep and does not start one
            await cache.SetAsync("k", Bytes(100, 1), null, TestContext.CancellationToken);
        }

        int exitCode;
        string errors;
        using (var worker = new WorkerProcess("read", folder.Path, "k", "14"))
        {
            // The worker opens before the lock is taken (opening needs the write lock too: see the test below).
            var read = worker.WaitForAcknowledgedAsync(1);
            Assert.AreSame(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(20), TestContext.CancellationToken)), worker.Errors);
            using (IndexWriteLock.Hold(folder.Path))
            {
                await Task.Delay(TimeSpan.FromSeconds(13), TestContext.CancellationToken); // its timer at 2 s + busy timeout 10 s
            }

            exitCode = await worker.WaitForExitAsync(TestContext.CancellationToken);
            errors = worker.Errors;
        }

        Assert.AreEqual(0, exitCode, $"the reading process died: {errors}");
    }

    /// <summary>
    /// Opening only reads an existing index; another process in a long write transaction must not make it fail (it
    /// fails after the busy timeout with "database is locked": PRAGMA auto_vacuum on an existing file is a write).
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Open_ExistingIndexWhileAnotherProcessHoldsTheWriteLock_OpensAndReads()
    {
        using var folder = new TempFolder();
        using (var cache = Open(folder.Path, TimeProvider.System))
        {
            await cache.OpeningSweep;
            await cache.SetAsync("k", Bytes(100, 1), null, TestContext.CancellationToken);
        }

        using (IndexWriteLock.Hold(folder.Path))
        {
            var opened = await Task.Run(() =>
            {
                try
                {
                    return ((DiskImageCache?)Open(folder.Path, TimeProvider.System), (Exception?)null);
                }
                catch (DiskCacheException e)
                {
                    return ((DiskImageCache?)null, (Exception?)e);
                }
            }, TestContext.CancellationToken);
            using var cache = opened.Item1;
            Assert.IsNull(opened.Item2, $"open failed: {opened.Item2?.Message}");
            Assert.IsNotNull(await cache!.GetAsync("k", TestContext.CancellationToken));
        }
    }
}
