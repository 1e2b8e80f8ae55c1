using BenchmarkDotNet.Attributes;
using ImageKit.Caching;

namespace ImageKit.Benchmarks;

/// <summary>
/// One disk-cache hit from a warm index of 1,000 entries of 13 KiB (the pipeline corpus's median image, kept inside the
/// index): the bytes (<see cref="DiskImageCache.GetAsync(string, CancellationToken)"/>, one SELECT joining the row and its bytes) and the metadata
/// alone (<see cref="DiskImageCache.GetMetadataAsync"/>, the row without its bytes). Both check the key against the table
/// row, as every lookup does; comparing builds shows what that check costs.
/// </summary>
[MemoryDiagnoser]
public class DiskHitBenchmarks
{
    private const int Entries = 1000;
    private string _directory = null!;
    private DiskImageCache _cache = null!;
    private string[] _keys = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("imagekit-bench-diskhit-").FullName;
        _cache = new DiskImageCache(new DiskImageCacheOptions { Directory = _directory });
        _keys = new string[Entries];
        var random = new Random(1);
        for (var i = 0; i < Entries; i++)
        {
            _keys[i] = $"https://example.com/images/{i}.gif";
            var data = new byte[13 * 1024];
            random.NextBytes(data);
            _cache.SetAsync(_keys[i], data).GetAwaiter().GetResult();
        }

        // A fixed shuffled order, so that successive hits do not read neighbouring pages.
        random.Shuffle(_keys);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public int GetBytes()
    {
        var key = _keys[_next++ % Entries];
        return _cache.GetAsync(key).GetAwaiter().GetResult()?.Data.Length ?? throw new InvalidOperationException($"'{key}' missed");
    }

    [Benchmark]
    public DiskCacheMetadata GetMetadata()
    {
        var key = _keys[_next++ % Entries];
        return _cache.GetMetadataAsync(key).GetAwaiter().GetResult() ?? throw new InvalidOperationException($"'{key}' missed");
    }
}
