using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using BitFaster.Caching.Lru;
using ImageKit.Caching;
using ImageKit.Decoding;
using Microsoft.Extensions.Caching.Memory;
using static ImageKit.Benchmarks.MemoryCacheWorkload;

namespace ImageKit.Benchmarks;

/// <summary>
/// The memory-cache cross-check (<c>memory-cache-interleaved [rounds]</c>): the same workloads as
/// <see cref="MemoryCacheBenchmarks"/>, each case run once per round in turn, and the minimum ns/op over the rounds kept, so
/// that load from other processes, which only ever adds time, cannot inflate a figure. Prints one line per case; run two
/// builds alternately (before and after a change) and keep the minimum of each over all their runs.
/// </summary>
internal static class MemoryCacheInterleaved
{
    private const int HitOpsPerThread = 1 << 18;
    private const int MixedOps = 1 << 17;

    public static void Run(TextWriter output, int rounds)
    {
        var keys = CreateKeys();
        var images = CreateImages();
        var boxes = images.Select(static image => new StrongBox<AnimatedImage>(image)).ToArray();
        var hitKeys = Uniform(ThreadCount * HitOpsPerThread, Capacity, seed: 1);
        var mixed = Mixed(ThreadCount * MixedOps, seed: 2);

        // One cache per case, so that the stores of one case do not turn another's hits into misses.
        var hitCache = Fill(NewImageKit(), keys, images);
        var setCache = Fill(NewImageKit(), keys, images);
        var mixedCache = Fill(NewImageKit(), keys, images);
        var memoryHits = new MemoryCache(new MemoryCacheOptions { SizeLimit = Capacity });
        var sizeOne = new MemoryCacheEntryOptions { Size = 1 };
        var lruHits = new ConcurrentLru<string, StrongBox<AnimatedImage>>(Capacity);
        for (var i = 0; i < Capacity; i++)
        {
            memoryHits.Set(keys[i], images[i], sizeOne);
            lruHits.AddOrUpdate(keys[i], boxes[i]);
        }

        var setCursor = Capacity;
        int NextSetKey()
        {
            var k = setCursor;
            setCursor = setCursor + 1 == KeyCount ? 0 : setCursor + 1;
            return k;
        }

        int ImageKitHits(int start, int count)
        {
            var found = 0;
            foreach (var k in hitKeys.AsSpan(start, count))
            {
                if (hitCache.TryGet(keys[k], out var lease))
                {
                    found++;
                    lease.Dispose();
                }
            }

            return found;
        }

        int MemoryCacheHits(int start, int count)
        {
            var found = 0;
            foreach (var k in hitKeys.AsSpan(start, count))
            {
                found += memoryHits.TryGetValue(keys[k], out _) ? 1 : 0;
            }

            return found;
        }

        int LruHits(int start, int count)
        {
            var found = 0;
            foreach (var k in hitKeys.AsSpan(start, count))
            {
                found += lruHits.TryGet(keys[k], out _) ? 1 : 0;
            }

            return found;
        }

        int ImageKitSets(int start, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var k = NextSetKey();
                setCache.Set(keys[k], images[k], cost: 1);
            }

            return count;
        }

        int ImageKitMixed(int start, int count)
        {
            var hits = 0;
            foreach (var op in mixed.AsSpan(start, count))
            {
                if (op < 0)
                {
                    mixedCache.Set(keys[~op], images[~op], cost: 1);
                }
                else if (mixedCache.TryGet(keys[op], out var lease))
                {
                    hits++;
                    lease.Dispose();
                }
            }

            return hits;
        }

        (string Name, Func<double> Measure)[] cases =
        [
            ("imagekit hit, 1 thread", () => Time(ImageKitHits, 1, HitOpsPerThread, expectAll: true)),
            ("imagekit hit, 2 threads", () => Time(ImageKitHits, 2, HitOpsPerThread, expectAll: true)),
            ("imagekit set new key (evicts)", () => Time(ImageKitSets, 1, 8_192, expectAll: false)),
            ("imagekit mixed 90/10, 1 thread", () => Time(ImageKitMixed, 1, MixedOps, expectAll: false)),
            ("imagekit mixed 90/10, 2 threads", () => Time(ImageKitMixed, 2, MixedOps, expectAll: false)),
            ("MemoryCache hit, 1 thread", () => Time(MemoryCacheHits, 1, HitOpsPerThread, expectAll: true)),
            ("MemoryCache hit, 2 threads", () => Time(MemoryCacheHits, 2, HitOpsPerThread, expectAll: true)),
            ("BitFaster Lru hit, 1 thread", () => Time(LruHits, 1, HitOpsPerThread, expectAll: true)),
            ("BitFaster Lru hit, 2 threads", () => Time(LruHits, 2, HitOpsPerThread, expectAll: true)),
        ];

        var best = cases.Select(static _ => double.MaxValue).ToArray();
        for (var round = -3; round < rounds; round++) // three warm-up rounds: tiered JIT
        {
            for (var c = 0; c < cases.Length; c++)
            {
                var ns = cases[c].Measure();
                if (round >= 0)
                {
                    best[c] = Math.Min(best[c], ns);
                }
            }
        }

        for (var c = 0; c < cases.Length; c++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cases[c].Name,-34} {best[c],8:F1} ns/op (min of {rounds})"));
        }

        hitCache.Dispose();
        setCache.Dispose();
        mixedCache.Dispose();
        memoryHits.Dispose();
    }

    // Wall time of `threads` threads each running `run` over its own slice, per operation.
    private static double Time(Func<int, int, int> run, int threads, int opsPerThread, bool expectAll)
    {
        var found = 0;
        var stopwatch = Stopwatch.StartNew();
        if (threads == 1)
        {
            found = run(0, opsPerThread);
        }
        else
        {
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => Interlocked.Add(ref found, run(t * opsPerThread, opsPerThread)));
        }

        var elapsed = stopwatch.Elapsed;
        if (expectAll && found != threads * opsPerThread)
        {
            throw new InvalidOperationException($"expected every lookup to hit, {found} of {threads * opsPerThread} did");
        }

        return elapsed.TotalNanoseconds / (threads * opsPerThread);
    }

    private static MemoryImageCache NewImageKit() => new(new MemoryImageCacheOptions
    {
        MaxCost = Capacity,
        MaxCount = Capacity,
        UseWeakCache = false,
        TrimOnMemoryPressure = false,
    });

    private static MemoryImageCache Fill(MemoryImageCache cache, string[] keys, AnimatedImage[] images)
    {
        for (var i = 0; i < Capacity; i++)
        {
            cache.Set(keys[i], images[i], cost: 1);
        }

        return cache;
    }
}
