using BenchmarkDotNet.Attributes;
using System.Runtime.CompilerServices;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using ImageKit.Caching;
using ImageKit.Decoding;
using Microsoft.Extensions.Caching.Memory;
using static ImageKit.Benchmarks.MemoryCacheWorkload;

namespace ImageKit.Benchmarks;

/// <summary>
/// <see cref="MemoryImageCache"/> beside <c>Microsoft.Extensions.Caching.Memory.MemoryCache</c> (size-limited, the baseline)
/// and BitFaster's <c>ConcurrentLru</c> and <c>ConcurrentLfu</c>: 10,000 URL-like keys, capacity 5,000 entries of equal
/// cost, one tiny decoded image per key (so no two keys share an image's ownership count). Every figure is per operation. ImageKit's gets include taking and
/// disposing the caller's lease, which is what a user of the cache pays; the other caches hand out a bare reference.
/// </summary>
[Config(typeof(MemoryCacheBenchmarkConfig))]
public partial class MemoryCacheBenchmarks
{
    private string[] _keys = [];
    private AnimatedImage[] _images = [];
    private StrongBox<AnimatedImage>[] _boxes = [];
    private int[] _hitKeys = [];
    private int[] _mixed = [];
    private MemoryImageCache _imageKit = null!;
    private MemoryImageCache _imageKitWeak = null!;
    private MemoryCache _memoryCache = null!;
    private MemoryCacheEntryOptions _sizeOne = null!;
    private ConcurrentLru<string, StrongBox<AnimatedImage>> _lru = null!;
    private ConcurrentLfu<string, StrongBox<AnimatedImage>> _lfu = null!;
    private int _setCursor;
    private long _gets;
    private long _hits;

    [GlobalSetup]
    public void Setup()
    {
        _keys = CreateKeys();
        _images = CreateImages();

        // BitFaster disposes IDisposable values it evicts, which would release the images the other caches hold: it
        // gets each image behind a box made once.
        _boxes = [.. _images.Select(static image => new StrongBox<AnimatedImage>(image))];
        _hitKeys = Uniform(BatchSize, Capacity, seed: 1);
        _mixed = Mixed(ThreadCount * MixedOpsPerThread, seed: 2);
        _imageKit = NewImageKit(weak: false);
        _imageKitWeak = NewImageKit(weak: true);
        _memoryCache = new MemoryCache(new MemoryCacheOptions { SizeLimit = Capacity });
        _sizeOne = new MemoryCacheEntryOptions { Size = 1 };
        _lru = new ConcurrentLru<string, StrongBox<AnimatedImage>>(Capacity);
        _lfu = new ConcurrentLfu<string, StrongBox<AnimatedImage>>(Capacity);

        // Filled with the first half of the keys; the set benchmark then always inserts a key that is not there.
        for (var i = 0; i < Capacity; i++)
        {
            Set(i);
        }

        _setCursor = Capacity;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_gets > 0)
        {
            Console.WriteLine($"// hit ratio: {(double)_hits / _gets:P1} of {_gets:N0} gets");
        }

        _imageKit.Dispose();
        _imageKitWeak.Dispose();
        _memoryCache.Dispose();
        foreach (var image in _images)
        {
            image.Dispose();
        }
    }

    [Benchmark(OperationsPerInvoke = BatchSize), BenchmarkCategory("1 TryGet hit")]
    public int ImageKitTryGetHit()
    {
        var found = 0;
        foreach (var k in _hitKeys)
        {
            if (_imageKit.TryGet(_keys[k], out var lease))
            {
                found++;
                lease.Dispose();
            }
        }

        return found;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize), BenchmarkCategory("1 TryGet hit")]
    public int MemoryCacheTryGetHit()
    {
        var found = 0;
        foreach (var k in _hitKeys)
        {
            found += _memoryCache.TryGetValue(_keys[k], out _) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = BatchSize), BenchmarkCategory("1 TryGet hit")]
    public int BitFasterLruTryGetHit()
    {
        var found = 0;
        foreach (var k in _hitKeys)
        {
            found += _lru.TryGet(_keys[k], out _) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = BatchSize), BenchmarkCategory("1 TryGet hit")]
    public int BitFasterLfuTryGetHit()
    {
        var found = 0;
        foreach (var k in _hitKeys)
        {
            found += _lfu.TryGet(_keys[k], out _) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = BatchSize), BenchmarkCategory("2 Set new key (evicts)")]
    public void ImageKitSet()
    {
        for (var i = 0; i < BatchSize; i++)
        {
            var k = NextSetKey();
            _imageKit.Set(_keys[k], _images[k], cost: 1);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize), BenchmarkCategory("2 Set new key (evicts)")]
    public void MemoryCacheSet()
    {
        for (var i = 0; i < BatchSize; i++)
        {
            var k = NextSetKey();
            _memoryCache.Set(_keys[k], _images[k], _sizeOne);
        }
    }

    [Benchmark(OperationsPerInvoke = BatchSize), BenchmarkCategory("2 Set new key (evicts)")]
    public void BitFasterLruSet()
    {
        for (var i = 0; i < BatchSize; i++)
        {
            var k = NextSetKey();
            _lru.AddOrUpdate(_keys[k], _boxes[k]);
        }
    }

    [Benchmark(OperationsPerInvoke = BatchSize), BenchmarkCategory("2 Set new key (evicts)")]
    public void BitFasterLfuSet()
    {
        for (var i = 0; i < BatchSize; i++)
        {
            var k = NextSetKey();
            _lfu.AddOrUpdate(_keys[k], _boxes[k]);
        }
    }

    [Benchmark(OperationsPerInvoke = MixedOpsPerThread), BenchmarkCategory("3 Mixed 90/10, 1 thread")]
    public int ImageKitMixed() => Mixed1(MixedImageKit);

    [Benchmark(OperationsPerInvoke = MixedOpsPerThread), BenchmarkCategory("3 Mixed 90/10, 1 thread")]
    public int ImageKitWeakTableMixed() => Mixed1(MixedImageKitWeak);

    [Benchmark(Baseline = true, OperationsPerInvoke = MixedOpsPerThread), BenchmarkCategory("3 Mixed 90/10, 1 thread")]
    public int MemoryCacheMixed() => Mixed1(MixedMemoryCache);

    [Benchmark(OperationsPerInvoke = MixedOpsPerThread), BenchmarkCategory("3 Mixed 90/10, 1 thread")]
    public int BitFasterLruMixed() => Mixed1(MixedLru);

    [Benchmark(OperationsPerInvoke = MixedOpsPerThread), BenchmarkCategory("3 Mixed 90/10, 1 thread")]
    public int BitFasterLfuMixed() => Mixed1(MixedLfu);

    [Benchmark(OperationsPerInvoke = ThreadCount * MixedOpsPerThread), BenchmarkCategory("4 Mixed 90/10, 2 threads")]
    public int ImageKitMixed2Threads() => Mixed2(MixedImageKit);

    [Benchmark(Baseline = true, OperationsPerInvoke = ThreadCount * MixedOpsPerThread), BenchmarkCategory("4 Mixed 90/10, 2 threads")]
    public int MemoryCacheMixed2Threads() => Mixed2(MixedMemoryCache);

    [Benchmark(OperationsPerInvoke = ThreadCount * MixedOpsPerThread), BenchmarkCategory("4 Mixed 90/10, 2 threads")]
    public int BitFasterLruMixed2Threads() => Mixed2(MixedLru);

    [Benchmark(OperationsPerInvoke = ThreadCount * MixedOpsPerThread), BenchmarkCategory("4 Mixed 90/10, 2 threads")]
    public int BitFasterLfuMixed2Threads() => Mixed2(MixedLfu);

    private static MemoryImageCache NewImageKit(bool weak) => new(new MemoryImageCacheOptions
    {
        MaxCost = Capacity,
        MaxCount = Capacity,
        UseWeakCache = weak,
        TrimOnMemoryPressure = false,
    });

    private int NextSetKey()
    {
        var k = _setCursor;
        _setCursor = k + 1 == KeyCount ? 0 : k + 1;
        return k;
    }

    private void Set(int k)
    {
        var image = _images[k];
        _imageKit.Set(_keys[k], image, cost: 1);
        _imageKitWeak.Set(_keys[k], image, cost: 1);
        _memoryCache.Set(_keys[k], image, _sizeOne);
        _lru.AddOrUpdate(_keys[k], _boxes[k]);
        _lfu.AddOrUpdate(_keys[k], _boxes[k]);
    }
}
