using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// The index's checkpoints: large commits return before their pages are copied into the database file, which happens
/// shortly after in the background; the WAL is cut back once checkpoints catch up; nothing outlives Dispose.
/// </summary>
[TestClass]
public sealed class DiskImageCacheCheckpointTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SetAsync_WalGrownPastTheLimit_IsCutBackOnceCheckpointsCatchUp()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        var wal = Path.Combine(folder.Path, "index.sqlite-wal");

        // ~24 MiB of inline entries while a reader holds a snapshot: no checkpoint can complete, so the WAL grows past 4 MiB.
        using (InlineIndex.HoldReadSnapshot(folder.Path))
        {
            await Task.WhenAll(Enumerable.Range(0, 400).Select(i =>
                Task.Run(() => cache.SetAsync($"big{i}", Bytes(60_000, (byte)i), null, TestContext.CancellationToken), TestContext.CancellationToken)));
        }

        var peak = new FileInfo(wal).Length;
        Assert.IsGreaterThan(4L * 1024 * 1024, peak, "the WAL grew past the limit (else this test shows nothing)");

        // Later small writes restart the WAL once a checkpoint (in the background, shortly after a write) has caught up;
        // the file is then cut back to the limit. Copying ~24 MiB with its fsyncs beside a busy disk takes a while: the
        // patience is a deadline, not a count of writes that a slow machine spends sooner.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        for (var i = 0; DateTime.UtcNow < deadline && new FileInfo(wal).Length > 4L * 1024 * 1024; i++)
        {
            await cache.SetAsync($"small{i}", Bytes(100, 1), null, TestContext.CancellationToken);
            await Task.Delay(20, TestContext.CancellationToken);
        }

        Assert.IsLessThanOrEqualTo(4L * 1024 * 1024, new FileInfo(wal).Length, $"peak {peak:N0} bytes");
        CollectionAssert.AreEqual(Bytes(60_000, 7), (await cache.GetAsync("big7", TestContext.CancellationToken))?.Data);
    }

    /// <summary>
    /// A commit that passes SQLite's usual checkpoint threshold (1,000 pages) returns without copying the WAL into the
    /// database file: that copy and its two fsyncs happen shortly after, in the background, not in the store.
    /// </summary>
    /// <remarks>
    /// The background checkpoint follows the commit by 50 ms, so a test thread that resumes later than that (a GC, a busy
    /// pool, a loaded machine) finds the pages copied whoever copied them. An attempt counts only when no background
    /// checkpoint had started by the time the file was looked at; otherwise another store is tried.
    /// <paramref name="hiccupFirst"/> makes the first attempt resume late on purpose, as a loaded machine would.
    /// </remarks>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task SetAsync_LargeCommit_ReturnsBeforeTheCheckpointWhichFollowsInTheBackground(bool hiccupFirst)
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, configure: o => o.MaxInlineBytes = 8 << 20);
        var index = Path.Combine(folder.Path, "index.sqlite");
        await cache.SetAsync("warm-up", Bytes(10, 1), null, TestContext.CancellationToken);
        Assert.IsTrue(Leaks.Eventually(() => new FileInfo(index).Length > 0), "the first checkpoint wrote the schema");

        for (var attempt = 0; attempt < 5; attempt++)
        {
            // The last attempt's checkpoint must have ended, not merely copied 5 MiB: one still copying the last 256 pages of
            // the previous store grew the file by 1 MiB after this attempt's `before` (seen once in a loaded full run).
            Assert.IsTrue(Leaks.Eventually(() => cache.BackgroundCheckpointsFinished == cache.BackgroundCheckpointsStarted), "no checkpoint is running");
            var before = new FileInfo(index).Length;
            var started = cache.BackgroundCheckpointsStarted;
            await cache.SetAsync($"big{attempt}", Bytes(6 << 20, attempt + 2), null, TestContext.CancellationToken); // ~1,500 pages in one commit
            if (hiccupFirst && attempt == 0)
            {
                await Task.Delay(200, TestContext.CancellationToken);
            }

            var length = new FileInfo(index).Length;
            var checkpointHadStarted = cache.BackgroundCheckpointsStarted != started; // read after the file: none began before it if unchanged
            Assert.IsTrue(Leaks.Eventually(() => new FileInfo(index).Length > before + (5 << 20)), "a background checkpoint copied them soon after");
            if (checkpointHadStarted)
            {
                continue; // it may have copied the pages before the file was looked at: nothing to conclude, try again
            }

            Assert.IsLessThan(before + (1 << 20), length, "the store returned with its pages still in the WAL only");
            CollectionAssert.AreEqual(Bytes(6 << 20, attempt + 2), (await cache.GetAsync($"big{attempt}", TestContext.CancellationToken))?.Data);
            return;
        }

        Assert.Inconclusive("every attempt resumed after its background checkpoint had started (a very busy machine)");
    }

    /// <summary>A checkpoint scheduled by a write does not outlive Dispose, nor reopen the index after it.</summary>
    [TestMethod]
    public async Task Dispose_WithACheckpointPending_LeavesNoFileOpenThenOrLater()
    {
        using var folder = new TempFolder();
        var cache = Open(folder.Path);
        await cache.SetAsync("k", Bytes(100_000, 3), null, TestContext.CancellationToken);

        cache.Dispose();

        Assert.AreEqual(0, Leaks.OpenFilesUnder(folder.Path) ?? 0, "closed by Dispose");
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.CancellationToken); // past the checkpoint's delay
        Assert.AreEqual(0, Leaks.OpenFilesUnder(folder.Path) ?? 0, "and nothing reopened it afterwards");
    }
}
