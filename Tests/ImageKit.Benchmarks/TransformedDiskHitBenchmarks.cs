using System.Drawing;
using BenchmarkDotNet.Attributes;
using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Transforming;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// A disk hit of a transformed still (a 96-pixel round avatar of a photo) or a thumbnail (256 pixels), as after an app's
/// restart: made from the original bytes on disk (decode, resize, circle) against decoded from the result stored beside
/// them (<see cref="ImageLoadOptions.StoreTransformedOnDisk"/>). The memory tier is emptied before every query.
/// </summary>
[MemoryDiagnoser]
public class TransformedDiskHitBenchmarks
{
    private const string Key = "https://example.com/photo";
    private static readonly ImageDecodeOptions s_avatar = new()
    {
        Transformers = [new ResizeTransformer(new Size(96, 96), ResizeMode.Fill), new CircleTransformer()],
    };

    private static readonly ImageDecodeOptions s_thumbnail = new() { ThumbnailPixelSize = new Size(256, 256) };

    private string _directory = null!;
    private ImageCache _cache = null!;

    [Params("JPEG 3000x2000", "PNG 1600x1200")]
    public string Original { get; set; } = "JPEG 3000x2000";

    [Params("avatar 96", "thumbnail 256")]
    public string Variant { get; set; } = "avatar 96";

    [Params(false, true)]
    public bool ResultStored { get; set; }

    private ImageDecodeOptions Options => Variant.StartsWith("avatar", StringComparison.Ordinal) ? s_avatar : s_thumbnail;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("imagekit-bench-variant-").FullName;
        _cache = new ImageCache(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = _directory } });
        var bytes = Original.StartsWith("JPEG", StringComparison.Ordinal)
            ? SyntheticPhoto.Encode(3000, 2000, SKEncodedImageFormat.Jpeg, quality: 85, noise: true)
            : SyntheticPhoto.Encode(1600, 1200, SKEncodedImageFormat.Png, quality: 100, noise: false);
        _cache.StoreAsync(Key, image: null, bytes, cacheType: ImageCacheType.Disk).GetAwaiter().GetResult();
        if (ResultStored)
        {
            using var hit = _cache.QueryAsync(Key, ImageCacheType.Disk, Options).GetAwaiter().GetResult()!;
            _cache.StoreVariantAsync(Key, hit.Image, Options, DiskVariant.Identify(bytes), metadata: null, CancellationToken.None).GetAwaiter().GetResult();
            var stored = _cache.Disk!.GetAsync(DiskVariant.KeyFor(Key, Options)).GetAwaiter().GetResult()
                ?? throw new InvalidOperationException("the result was not stored");
            Console.WriteLine($"// {Original}, {Variant}: original {bytes.Length:N0} B, stored result {stored.Data.Length:N0} B");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public int DiskHit()
    {
        _cache.Memory.Clear();
        using var hit = _cache.QueryAsync(Key, ImageCacheType.All, Options).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException("not in the cache");
        return hit.Image.PixelWidth;
    }
}
