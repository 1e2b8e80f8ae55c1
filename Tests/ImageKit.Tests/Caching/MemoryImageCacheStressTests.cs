using System.Collections.Concurrent;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class MemoryImageCacheStressTests
{
    [TestMethod]
    public void MixedOperations_EightThreadsHundredThousandOps_KeepEveryInvariant()
    {
        const int Threads = 8;
        const int OpsPerThread = 100_000 / Threads;
        const long MaxCost = 5_000;
        using var cache = new MemoryImageCache(new MemoryImageCacheOptions { MaxCost = MaxCost, MaxCount = 40, TrimOnMemoryPressure = false });
        var sources = new ConcurrentBag<CountingSource>();
        var errors = new ConcurrentQueue<string>();

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            var random = new Random(thread);
            for (var i = 0; i < OpsPerThread; i++)
            {
                var key = $"k{random.Next(100)}";
                switch (random.Next(10))
                {
                    case < 5:
                        if (cache.TryGet(key, out var lease))
                        {
                            if (lease.Image.IsDisposed)
                            {
                                errors.Enqueue($"{key}: a lease handed out a released image");
                            }

                            using (var frame = lease.Image.GetFrame(0))
                            {
                                if (frame.Pixels[0] != 1)
                                {
                                    errors.Enqueue($"{key}: wrong pixels");
                                }
                            }

                            lease.Dispose();
                        }

                        break;
                    case < 8:
                        var (image, source) = CountingSource.Create(frameCount: 1, width: 2, height: 2);
                        sources.Add(source);
                        cache.Set(key, image, random.Next(50, 300));
                        image.Dispose();
                        break;
                    case 8:
                        cache.Remove(key);
                        break;
                    default:
                        if (random.Next(100) == 0)
                        {
                            cache.Trim(MaxCost / 2);
                        }
                        else
                        {
                            _ = cache.Contains(key);
                        }

                        break;
                }

                var cost = cache.TotalCost;
                if (cost > MaxCost || cost < 0)
                {
                    errors.Enqueue($"total cost {cost} outside 0..{MaxCost}");
                }
            }
        });

        Assert.IsTrue(errors.IsEmpty, string.Join("; ", errors.Take(5)));
        var stats = cache.Statistics;
        Assert.IsLessThanOrEqualTo(40, stats.Count);
        Assert.IsLessThanOrEqualTo(MaxCost, stats.TotalCost);
        Assert.AreEqual(Threads * OpsPerThread / 2, stats.Hits + stats.WeakHits + stats.Misses, 0.1 * Threads * OpsPerThread / 2, "about half the operations were lookups");

        // Everything still held is released exactly once when the cache empties; nothing was released twice before.
        Assert.IsTrue(sources.All(s => s.Disposals <= 1), "no image released twice");
        cache.Clear();
        Assert.IsTrue(sources.All(s => s.Disposals == 1), "every image released exactly once after Clear");
    }
}
