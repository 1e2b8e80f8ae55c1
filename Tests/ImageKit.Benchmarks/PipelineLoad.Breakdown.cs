using System.Diagnostics;
using System.Globalization;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using SkiaSharp;

namespace ImageKit.Benchmarks;

internal static partial class PipelineLoad
{
    /// <summary>
    /// Where the time of one load goes: each stage alone, one operation at a time (no concurrency), ImageKit's part beside
    /// the raw call it wraps, and disk stores one at a time and six at once.
    /// Run: <c>dotnet run -c Release --project Tests/ImageKit.Benchmarks -- pipeline-breakdown</c>.
    /// </summary>
    public static async Task BreakdownAsync(TextWriter output)
    {
        var images = PipelineImages.Create();
        await using var server = await StartServerAsync(images);
        var urls = Enumerable.Range(0, images.Length).Select(i => new Uri(BaseAddressOf(server), string.Create(CultureInfo.InvariantCulture, $"/img/{i}"))).ToArray();
        using var client = new HttpClient();
        using var downloader = new ImageDownloader();
        var folder = Path.Combine(Path.GetTempPath(), "imagekit-bench", "breakdown");
        using var cache = new ImageCache(CacheOptions(Path.Combine(folder, "query")));
        var rows = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        for (var round = 0; round < 3; round++)
        {
            var suffix = round.ToString(CultureInfo.InvariantCulture);
            await SequentialAsync(rows, "HttpClient GET", urls, async u => await client.GetByteArrayAsync(u));
            await SequentialAsync(rows, "ImageDownloader.DownloadAsync", urls, async u => await downloader.DownloadAsync(new ImageDownloadRequest(u)));
            await SequentialAsync(rows, "SKData copy + SKCodec open + frame table", images, i => Sync(() =>
            {
                using var data = SKData.CreateCopy(i.Data);
                using var codec = SKCodec.Create(data);
                _ = codec.FrameInfo;
            }));
            await SequentialAsync(rows, "ImageDecoderRegistry.Decode (headers)", images, i => Sync(() => ImageDecoderRegistry.Default.Decode(i.Data).Dispose()));
            await SequentialAsync(rows, "SKCodec open + decode frame 0", images, i => Sync(() => DecodeCompare.Skia(i.Data, SKImageInfo.PlatformColorType)));
            await SequentialAsync(rows, "Decode + AnimatedImage.GetFrame(0)", images, i => Sync(() =>
            {
                using var image = ImageDecoderRegistry.Default.Decode(i.Data);
                image.GetFrame(0).Dispose();
            }));
            await SequentialAsync(rows, "ImageCache.QueryAsync, miss (memory + disk)", urls, async u => await cache.QueryAsync(u.AbsoluteUri + suffix));
            foreach (var parallel in new[] { 1, 6 })
            {
                var directory = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"store-{round}-{parallel}"));
                using var disk = new DiskImageCache(new DiskImageCacheOptions { Directory = directory });
                await disk.OpeningSweep;
                var start = Stopwatch.GetTimestamp();
                await Parallel.ForEachAsync(Enumerable.Range(0, images.Length), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, token) =>
                    await disk.SetAsync(urls[i].AbsoluteUri, images[i].Data, cancellationToken: token));
                Add(rows, string.Create(CultureInfo.InvariantCulture, $"DiskImageCache.SetAsync, {parallel} at once (wall time per store)"), Stopwatch.GetElapsedTime(start).TotalMicroseconds / images.Length);
            }
        }

        // The same stages six at once, as the pipeline benchmark runs them: what concurrency adds or takes away.
        var memoryOnly = new ImageLoadOptions { CacheType = ImageCacheType.Memory };
        for (var round = 0; round < 3; round++)
        {
            using (var fresh = new HttpClient())
            {
                await ConcurrentAsync(rows, "6 at once: HttpClient GET", urls, async (u, t) => await fresh.GetByteArrayAsync(u, t));
            }

            using (var fresh = new ImageDownloader())
            {
                await ConcurrentAsync(rows, "6 at once: ImageDownloader.DownloadAsync", urls, async (u, t) => await fresh.DownloadAsync(new ImageDownloadRequest(u), null, t));
            }

            var manager = new ImageManager(CacheOptions(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"memory-{round}"))));
            await using (manager)
            {
                await ConcurrentAsync(rows, "6 at once: ImageManager, memory cache only", urls, async (u, t) => (await manager.LoadImageAsync(u, memoryOnly, null, t)).Dispose());
            }
        }

        Directory.Delete(folder, recursive: true);
        output.WriteLine("| stage (1,000 images; one at a time unless it says 6) | µs per image (wall), median of 3 rounds |");
        output.WriteLine("|---|---:|");
        foreach (var (name, values) in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(values):N1} |"));
        }
    }

    private static Task Sync(Action action)
    {
        action();
        return Task.CompletedTask;
    }

    private static async Task SequentialAsync<T>(Dictionary<string, List<double>> rows, string name, IReadOnlyList<T> items, Func<T, Task> operation)
    {
        GC.Collect();
        var start = Stopwatch.GetTimestamp();
        foreach (var item in items)
        {
            await operation(item);
        }

        Add(rows, name, Stopwatch.GetElapsedTime(start).TotalMicroseconds / items.Count);
    }

    private static async Task ConcurrentAsync(Dictionary<string, List<double>> rows, string name, Uri[] urls, Func<Uri, CancellationToken, Task> operation)
    {
        GC.Collect();
        var start = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(urls, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (url, token) => await operation(url, token));
        Add(rows, name, Stopwatch.GetElapsedTime(start).TotalMicroseconds / urls.Length);
    }

    private static void Add(Dictionary<string, List<double>> rows, string name, double value)
    {
        if (!rows.TryGetValue(name, out var list))
        {
            rows[name] = list = [];
        }

        list.Add(value);
    }
}
