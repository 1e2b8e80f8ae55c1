using ImageKit.Caching;
using Microsoft.Extensions.Caching.Memory;
using static ImageKit.Benchmarks.MemoryCacheWorkload;

namespace ImageKit.Benchmarks;

// The 90/10 get/set loops, one per cache, over the thread's own slice of the shared operation sequence.
public partial class MemoryCacheBenchmarks
{
    private int Mixed1(Func<int, int, int> run) => Count(run(0, MixedOpsPerThread), MixedOpsPerThread);

    private int Mixed2(Func<int, int, int> run)
    {
        var hits = 0;
        Parallel.For(0, ThreadCount, t => Interlocked.Add(ref hits, run(t * MixedOpsPerThread, MixedOpsPerThread)));
        return Count(hits, ThreadCount * MixedOpsPerThread);
    }

    // Gets are ~90 % of the operations; the exact count only matters for the hit ratio printed at cleanup.
    private int Count(int hits, int ops)
    {
        _hits += hits;
        _gets += ops * (100 - SetPercent) / 100;
        return hits;
    }

    private int MixedImageKit(int start, int count) => MixedImageKitCore(_imageKit, start, count);

    private int MixedImageKitWeak(int start, int count) => MixedImageKitCore(_imageKitWeak, start, count);

    private int MixedImageKitCore(MemoryImageCache cache, int start, int count)
    {
        var hits = 0;
        foreach (var op in _mixed.AsSpan(start, count))
        {
            if (op >= 0)
            {
                if (cache.TryGet(_keys[op], out var lease))
                {
                    hits++;
                    lease.Dispose();
                }
            }
            else
            {
                cache.Set(_keys[~op], _images[~op], cost: 1);
            }
        }

        return hits;
    }

    private int MixedMemoryCache(int start, int count)
    {
        var hits = 0;
        foreach (var op in _mixed.AsSpan(start, count))
        {
            if (op >= 0)
            {
                hits += _memoryCache.TryGetValue(_keys[op], out _) ? 1 : 0;
            }
            else
            {
                _memoryCache.Set(_keys[~op], _images[~op], _sizeOne);
            }
        }

        return hits;
    }

    private int MixedLru(int start, int count)
    {
        var hits = 0;
        foreach (var op in _mixed.AsSpan(start, count))
        {
            if (op >= 0)
            {
                hits += _lru.TryGet(_keys[op], out _) ? 1 : 0;
            }
            else
            {
                _lru.AddOrUpdate(_keys[~op], _boxes[~op]);
            }
        }

        return hits;
    }

    private int MixedLfu(int start, int count)
    {
        var hits = 0;
        foreach (var op in _mixed.AsSpan(start, count))
        {
            if (op >= 0)
            {
                hits += _lfu.TryGet(_keys[op], out _) ? 1 : 0;
            }
            else
            {
                _lfu.AddOrUpdate(_keys[~op], _boxes[~op]);
            }
        }

        return hits;
    }
}
