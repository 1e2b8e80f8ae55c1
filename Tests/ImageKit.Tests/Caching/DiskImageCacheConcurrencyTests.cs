using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using ImageKit.TestWorker;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class DiskImageCacheConcurrencyTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task EightTasks_MixingSetGetRemove_LeaveAConsistentCache()
    {
        using var folder = new TempFolder();
        // Worker content is 68 B to 16 KiB: with an 8 KiB threshold a key keeps switching between inline and file.
        const int InlineThreshold = 8192;
        using var cache = Open(folder.Path, TimeProvider.System, o => (o.FlushWrites, o.MaxInlineBytes) = (false, InlineThreshold));
        var keys = Enumerable.Range(0, 24).Select(i => $"key-{i}").ToArray();
        var wrong = 0;

        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var random = new Random(t);
            for (var i = 0; i < 250; i++)
            {
                var key = keys[random.Next(keys.Length)];
                switch (random.Next(10))
                {
                    case < 4:
                        await cache.SetAsync(key, WorkerContent.Create(key, random.Next(1000)), null, TestContext.CancellationToken);
                        break;
                    case < 9:
                        var entry = await cache.GetAsync(key, TestContext.CancellationToken);
                        if (entry is not null && !WorkerContent.IsValid(key, entry.Data))
                        {
                            Interlocked.Increment(ref wrong);
                        }

                        break;
                    default:
                        await cache.RemoveAsync(key, TestContext.CancellationToken);
                        break;
                }
            }
        }, TestContext.CancellationToken)).ToArray();
        await Task.WhenAll(tasks);

        Assert.AreEqual(0, wrong, "no read returned wrong bytes");
        long count = 0, bytes = 0, files = 0;
        foreach (var key in keys)
        {
            if (await cache.GetAsync(key, TestContext.CancellationToken) is { } entry)
            {
                Assert.IsTrue(WorkerContent.IsValid(key, entry.Data));
                count++;
                bytes += entry.Data.Length;
                files += entry.Data.Length > InlineThreshold ? 1 : 0;
            }
        }

        var stats = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(count, stats.EntryCount, "running count matches the entries");
        Assert.AreEqual(bytes, stats.TotalBytes, "running total matches the entries");
        Assert.IsGreaterThan(0, files, "the test covers both kinds");
        Assert.IsLessThan(count, files, "the test covers both kinds");
        Assert.HasCount((int)files, BlobFiles(folder.Path), "one file per large entry, none for inline ones");
        Assert.AreEqual(new DiskCacheSweepResult(0, 0), await cache.SweepAsync(TestContext.CancellationToken), "nothing left to repair");
    }

    /// <summary>
    /// An entry that always exists, replaced over and over while it is read: every read returns the old bytes or the new
    /// ones, never a miss. A read that met a replacement between its row and its file read again only once, so two
    /// replacements during one read (a few reads in a thousand here) made it a miss, counted in the statistics.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task GetAsync_WhileTheKeyIsReplacedOverAndOver_NeverMisses()
    {
        var (hits, misses, wrong) = (0, 0, 0);
        var stats = await WhileReplacedOverAndOverAsync(async (cache, first, second) =>
        {
            switch (await cache.GetAsync("k", TestContext.CancellationToken))
            {
                case null:
                    misses++;
                    break;
                case { } entry when entry.Data.AsSpan().SequenceEqual(first) || entry.Data.AsSpan().SequenceEqual(second):
                    hits++;
                    break;
                default:
                    wrong++;
                    break;
            }
        });

        Assert.AreEqual(0, wrong, "wrong bytes");
        Assert.AreEqual(0, misses, $"reads that missed an entry that was always there ({hits} hits)");
        Assert.AreEqual(misses, stats.Misses);
    }

    /// <summary>
    /// The same for <see cref="DiskImageCache.ContainsAsync"/>: an entry that always exists, replaced by bytes of another
    /// length over and over, is always found. It compared the file's length with the row it had read, and a file renamed
    /// into place by a replacement since then made it answer false.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task ContainsAsync_WhileTheKeyIsReplacedOverAndOver_AlwaysFindsIt()
    {
        var (found, notFound) = (0, 0);
        await WhileReplacedOverAndOverAsync(async (cache, _, _) =>
        {
            if (await cache.ContainsAsync("k", TestContext.CancellationToken))
            {
                found++;
            }
            else
            {
                notFound++;
            }
        });

        Assert.AreEqual(0, notFound, $"answers that an entry that was always there is not ({found} found)");
    }

    // Stores "k" as 40,000 bytes in a fresh cache (files only, writes not flushed), then replaces it 4,000 times on the
    // pool, alternating with 100,000 other bytes, while this thread runs read (given the cache and both byte arrays)
    // over and over; returns the cache's statistics once the writer has ended.
    private async Task<DiskCacheStatistics> WhileReplacedOverAndOverAsync(Func<DiskImageCache, byte[], byte[], Task> read)
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, TimeProvider.System, o => (o.MaxInlineBytes, o.FlushWrites) = (0, false));
        var (first, second) = (Bytes(40_000, 1), Bytes(100_000, 2));
        await cache.SetAsync("k", first, null, TestContext.CancellationToken);
        var writing = 1;
        var writer = Task.Run(
            async () =>
            {
                for (var i = 0; i < 4000; i++)
                {
                    await cache.SetAsync("k", i % 2 == 0 ? second : first, null, TestContext.CancellationToken);
                }

                Volatile.Write(ref writing, 0);
            },
            TestContext.CancellationToken);
        while (Volatile.Read(ref writing) == 1 && !writer.IsFaulted)
        {
            await read(cache, first, second);
        }

        await writer;
        return await cache.GetStatisticsAsync(TestContext.CancellationToken);
    }
}
