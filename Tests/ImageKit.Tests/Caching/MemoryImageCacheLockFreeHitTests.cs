using System.Collections.Concurrent;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Hits on images held strongly take no lock: they race evictions, removals, clears, trims and disposal without handing
/// out a released image or losing a lease, and their counts stay exact.
/// </summary>
[TestClass]
public sealed class MemoryImageCacheLockFreeHitTests
{
    private const int Keys = 24;

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Hits_RacingEvictionsRemovalsClearsAndTrims_NeverSeeAReleasedImageAndLeaveNoLease(bool weak)
    {
        var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = 1_000, MaxCount = 8, UseWeakCache = weak, TrimOnMemoryPressure = false });
        var sources = new ConcurrentBag<CountingSource>();
        var errors = new ConcurrentQueue<string>();

        var hitters = Enumerable.Range(0, 3).Select(t => Task.Factory.StartNew(
            () =>
            {
                var random = new Random(t);
                for (var i = 0; i < 60_000; i++)
                {
                    if (cache.TryGet($"k{random.Next(Keys)}", out var lease))
                    {
                        CheckUsable(lease, check: i % 16 == 0, errors);
                        lease.Dispose();
                    }
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        var writer = Task.Factory.StartNew(
            () =>
            {
                var random = new Random(100);
                for (var i = 0; i < 20_000; i++)
                {
                    var key = $"k{random.Next(Keys)}";
                    switch (random.Next(100))
                    {
                        case < 80:
                            var (image, source) = CountingSource.Create(frameCount: 1, width: 2, height: 2);
                            sources.Add(source);
                            cache.Set(key, image, random.Next(50, 200)); // over 8 entries or 1,000 bytes: evicts
                            image.Dispose();
                            break;
                        case < 95:
                            cache.Remove(key);
                            break;
                        case < 98:
                            cache.Trim(random.Next(0, 500));
                            break;
                        default:
                            cache.Clear();
                            break;
                    }
                }
            },
            TaskCreationOptions.LongRunning);
        Task.WaitAll([.. hitters, writer]);

        Assert.IsTrue(errors.IsEmpty, string.Join("; ", errors.Take(5)));
        Assert.IsTrue(sources.All(s => s.Disposals <= 1), "no image released twice");
        cache.Dispose();
        Assert.IsTrue(sources.All(s => s.Disposals == 1), "every image released exactly once: no lease was left behind");
    }

    [TestMethod]
    public void Hits_RacingDispose_ThrowOnceItReturnedAndLeaveNoLease()
    {
        for (var round = 0; round < 40; round++)
        {
            var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = 1_000, MaxCount = 8, TrimOnMemoryPressure = false });
            var sources = new List<CountingSource>();
            for (var i = 0; i < 8; i++)
            {
                var (image, source) = CountingSource.Create(frameCount: 1, width: 2, height: 2);
                sources.Add(source);
                cache.Set($"k{i}", image, 10);
                image.Dispose();
            }

            var errors = new ConcurrentQueue<string>();
            var disposed = 0;
            using var started = new CountdownEvent(2);
            var hitters = Enumerable.Range(0, 2).Select(t => Task.Factory.StartNew(
                () =>
                {
                    var random = new Random(t);
                    started.Signal();
                    for (var i = 0; i < 10_000_000; i++)
                    {
                        var disposeHadReturned = Volatile.Read(ref disposed) == 1;
                        try
                        {
                            if (cache.TryGet($"k{random.Next(8)}", out var lease))
                            {
                                if (disposeHadReturned)
                                {
                                    errors.Enqueue("a lookup that started after Dispose returned found an image");
                                }

                                CheckUsable(lease, check: true, errors);
                                lease.Dispose();
                            }
                        }
                        catch (ObjectDisposedException)
                        {
                            return;
                        }
                    }

                    errors.Enqueue("lookups never saw the cache disposed");
                },
                TaskCreationOptions.LongRunning)).ToArray();

            started.Wait();
            cache.Dispose();
            Volatile.Write(ref disposed, 1);
            Task.WaitAll(hitters);

            Assert.IsTrue(errors.IsEmpty, $"round {round}: " + string.Join("; ", errors.Take(5)));
            Assert.IsTrue(sources.All(s => s.Disposals == 1), $"round {round}: every image released exactly once after Dispose");
        }
    }

    [TestMethod]
    public void Statistics_AfterHitsMissesAndReplacementsOnSeveralThreads_AreExact()
    {
        using var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = 1_000_000, UseWeakCache = false, TrimOnMemoryPressure = false });
        for (var i = 0; i < Keys; i++)
        {
            var (image, _) = CountingSource.Create(frameCount: 1, width: 2, height: 2);
            cache.Set($"k{i}", image, 1);
            image.Dispose();
        }

        long hits = 0, misses = 0;
        var errors = new ConcurrentQueue<string>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var random = new Random(t);
            long myHits = 0, myMisses = 0;
            for (var i = 0; i < 50_000; i++)
            {
                var op = random.Next(100);
                if (op < 5)
                {
                    // Replacing a key keeps it present; a hit racing the replacement is answered under the lock.
                    var (image, _) = CountingSource.Create(frameCount: 1, width: 2, height: 2);
                    cache.Set($"k{random.Next(Keys)}", image, 1);
                    image.Dispose();
                }
                else if (op < 85)
                {
                    if (cache.TryGet($"k{random.Next(Keys)}", out var lease))
                    {
                        myHits++;
                        lease.Dispose();
                    }
                    else
                    {
                        errors.Enqueue("a key always present was missed");
                    }
                }
                else if (cache.TryGet($"absent{random.Next(Keys)}", out _))
                {
                    errors.Enqueue("a key never stored was found");
                }
                else
                {
                    myMisses++;
                }
            }

            Interlocked.Add(ref hits, myHits);
            Interlocked.Add(ref misses, myMisses);
        });

        Assert.IsTrue(errors.IsEmpty, string.Join("; ", errors.Take(5)));
        var stats = cache.Statistics;
        Assert.AreEqual(hits, stats.Hits);
        Assert.AreEqual(misses, stats.Misses);
        Assert.AreEqual(0, stats.WeakHits);
        Assert.AreEqual(Keys, stats.Count);
    }

    private static void CheckUsable(ImageKit.Decoding.ImageLease lease, bool check, ConcurrentQueue<string> errors)
    {
        if (lease.Image.IsDisposed)
        {
            errors.Enqueue("a hit handed out a lease on a released image");
            return;
        }

        if (check)
        {
            using var frame = lease.Image.GetFrame(0);
            if (frame.Pixels[0] != 1)
            {
                errors.Enqueue("a hit's image renders wrong pixels");
            }
        }
    }
}
