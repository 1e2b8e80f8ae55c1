using BenchmarkDotNet.Attributes;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;

namespace ImageKit.Benchmarks;

/// <summary>
/// What <see cref="ImageManager"/> adds to a cold load, without the network: a loader that answers at once with a small
/// JPEG, a memory-only cache that is cleared before every load, against the decode of the same bytes alone.
/// </summary>
[MemoryDiagnoser]
public class ManagerOverheadBenchmarks
{
    private static readonly Uri s_url = new("instant://image/1");
    private ImageManager _manager = null!;
    private ImageCache _cache = null!;
    private byte[] _jpeg = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var bitmap = new SkiaSharp.SKBitmap(64, 48);
        bitmap.Erase(SkiaSharp.SKColors.Coral);
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 80);
        _jpeg = data.ToArray();
        _cache = new ImageCache(new ImageCacheOptions());
        _manager = new ImageManager(_cache, new ImageDownloader());
        _manager.Loaders.Insert(0, new InstantLoader(_jpeg));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _manager.Dispose();
        _cache.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void DecodeHeadersOnly() => ImageDecoderRegistry.Default.Decode(_jpeg).Dispose();

    [Benchmark]
    public async Task ColdLoadThroughTheManager()
    {
        using (await _manager.LoadImageAsync(s_url))
        {
        }

        _cache.Memory.Clear();
    }

    // 100 cold loads one after another on a pool thread, as an app's loads run: the decode then runs in place (no hop),
    // and the hop onto the pool is paid once per 100.
    [Benchmark(OperationsPerInvoke = 100)]
    public Task ColdLoadsOnAPoolThread() => Task.Run(async () =>
    {
        for (var i = 0; i < 100; i++)
        {
            using (await _manager.LoadImageAsync(s_url))
            {
            }

            _cache.Memory.Clear();
        }
    });

    private sealed class InstantLoader(byte[] data) : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "instant";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ImageLoaderResponse(request.Url, data));
    }
}
