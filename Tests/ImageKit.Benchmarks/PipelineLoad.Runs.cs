using System.Globalization;
using System.Diagnostics;
using System.Net;
using ImageKit.Caching;
using SkiaSharp;

namespace ImageKit.Benchmarks;

internal static partial class PipelineLoad
{
    /// <summary>
    /// The baseline: GET the bytes, copy them into an SKData, open an SKCodec and read its frame table (what
    /// <see cref="ImageManager"/> does before it returns); with <paramref name="firstFrame"/>, also decode frame 0.
    /// A new HttpClient per run, as each cold ImageKit run has a new manager and so a new downloader. With
    /// <paramref name="keepBitmaps"/>, every decoded bitmap is kept until the run ends (as a cache of decoded images
    /// does), which shows what keeping decoded pixels costs by itself. With <paramref name="files"/>, each body is first
    /// written to a file of its own in a new folder, named by the SHA-256 of its URL, as a naive disk cache does (and, with
    /// <see cref="NaiveFiles.Flushed"/>, flushed to the device before the load goes on, as ImageKit's disk cache does).
    /// </summary>
    private static async Task<Measurement> NaiveAsync(Uri[] urls, bool firstFrame, bool keepBitmaps = false, NaiveFiles files = NaiveFiles.None, string? folder = null)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All });
        var kept = new System.Collections.Concurrent.ConcurrentBag<SKBitmap>();
        if (files != NaiveFiles.None)
        {
            Directory.CreateDirectory(folder!);
        }

        try
        {
            return await TimeNaiveAsync(client, urls, firstFrame, keepBitmaps ? kept : null, files, folder).ConfigureAwait(false);
        }
        finally
        {
            foreach (var bitmap in kept)
            {
                bitmap.Dispose();
            }
        }
    }

    internal enum NaiveFiles { None, Written, Flushed }

    private static Task<Measurement> TimeNaiveAsync(HttpClient client, Uri[] urls, bool firstFrame, System.Collections.Concurrent.ConcurrentBag<SKBitmap>? kept, NaiveFiles files, string? folder)
    {
        return TimeAsync(kept is not null ? "naive-keep" : files == NaiveFiles.None ? "naive" : "naive-files", urls, async (url, token) =>
        {
            var bytes = await client.GetByteArrayAsync(url, token).ConfigureAwait(false);
            if (files != NaiveFiles.None)
            {
                var path = Path.Combine(folder!, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(url.AbsoluteUri))));
                var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
                await using (stream.ConfigureAwait(false))
                {
                    await stream.WriteAsync(bytes, token).ConfigureAwait(false);
                    if (files == NaiveFiles.Flushed)
                    {
                        stream.Flush(flushToDisk: true);
                    }
                }
            }

            using var data = SKData.CreateCopy(bytes);
            using var codec = SKCodec.Create(data) ?? throw new InvalidOperationException($"Skia cannot open {url}");
            _ = codec.FrameInfo;
            if (firstFrame)
            {
                // The same pixels ImageKit produces: Skia's native 32-bit order (BGRA here and on macOS), premultiplied.
                // (Until 2026-12-01 this was RGBA, which libwebp writes a little faster: see decode-compare.)
                var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKImageInfo.PlatformColorType, SKAlphaType.Premul);
                var bitmap = new SKBitmap(info);
                var result = codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(0));
                if (kept is null)
                {
                    bitmap.Dispose();
                }
                else
                {
                    kept.Add(bitmap);
                }

                if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                {
                    throw new InvalidOperationException($"Skia cannot decode {url}: {result}");
                }
            }

            return bytes.Length;
        });
    }

    /// <summary>
    /// Cold (fresh folder), then a new manager on the same folder (warm: disk hits), then that manager again (hot: memory
    /// hits). Cold is timed to the last result and, separately, to the end of the manager's disposal (stores landed).
    /// </summary>
    private static async Task<(Measurement Cold, Measurement ColdDrained, Measurement Warm, Measurement Hot)> ImageKitRoundAsync(Uri[] urls, string directory, bool firstFrame)
    {
        Measurement cold, coldDrained;
        var coldManager = new ImageManager(CacheOptions(directory));
        var start = Stopwatch.GetTimestamp();
        try
        {
            cold = await TimeAsync("cold", urls, (url, token) => LoadAsync(coldManager, url, firstFrame, ImageLoadSource.Network, token)).ConfigureAwait(false);
        }
        finally
        {
            await coldManager.DisposeAsync().ConfigureAwait(false);
        }

        var drained = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var megabytes = cold.MegabytesPerSecond * (urls.Length / cold.ImagesPerSecond);
        coldDrained = new Measurement(urls.Length / drained, megabytes / drained);

        var warmManager = new ImageManager(CacheOptions(directory));
        await using (warmManager.ConfigureAwait(false))
        {
            var warm = await TimeAsync("warm", urls, (url, token) => LoadAsync(warmManager, url, firstFrame, ImageLoadSource.Disk, token)).ConfigureAwait(false);
            var hot = await TimeAsync("hot", urls, (url, token) => LoadAsync(warmManager, url, firstFrame, ImageLoadSource.Memory, token)).ConfigureAwait(false);
            return (cold, coldDrained, warm, hot);
        }
    }

    /// <summary>Cold with <see cref="ImageLoadOptions.WaitForDiskStore"/>: each load returns once its bytes are on disk.</summary>
    private static async Task<Measurement> ColdWaitingForDiskAsync(Uri[] urls, string directory, bool firstFrame)
    {
        var manager = new ImageManager(CacheOptions(directory));
        await using (manager.ConfigureAwait(false))
        {
            return await TimeAsync("cold-wait", urls, (url, token) => LoadAsync(manager, url, firstFrame, ImageLoadSource.Network, token, s_waitForDisk)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Cold with a memory cache that keeps nothing (no strong entries, no weak table): each image is released once its
    /// load has read it, as the naive loop releases its bitmaps, so only the pipeline's own work differs from that loop.
    /// The other cold rows keep every image, which any cache of decoded images must (compare them with the naive loop that
    /// keeps its bitmaps).
    /// </summary>
    private static async Task<Measurement> ColdWithoutMemoryCacheAsync(Uri[] urls, string directory, bool firstFrame)
    {
        var manager = new ImageManager(CacheOptions(directory) with { Memory = new MemoryImageCacheOptions { MaxCost = 0, UseWeakCache = false } });
        await using (manager.ConfigureAwait(false))
        {
            return await TimeAsync("cold-nomemory", urls, (url, token) => LoadAsync(manager, url, firstFrame, ImageLoadSource.Network, token)).ConfigureAwait(false);
        }
    }

    private static readonly ImageLoadOptions s_waitForDisk = new() { WaitForDiskStore = true };

    private static async Task<int> LoadAsync(ImageManager manager, Uri url, bool firstFrame, ImageLoadSource expected, CancellationToken cancellationToken, ImageLoadOptions? options = null)
    {
        using var result = await manager.LoadImageAsync(url, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.Source != expected)
        {
            throw new InvalidOperationException($"{url} came from {result.Source}, expected {expected}");
        }

        if (firstFrame)
        {
            result.Image.GetFrame(0).Dispose();
        }

        return result.Image.EncodedData.Length;
    }

    private static Task<Measurement> TimeAsync(Uri[] urls, Func<Uri, CancellationToken, Task<int>> load) => TimeAsync("imagekit", urls, load);

    // With PHASE_LOG=FILE, each timed run appends "label start end" (CLOCK_MONOTONIC nanoseconds, as `perf record -k
    // CLOCK_MONOTONIC` stamps its samples), so that one profile of a `pipeline` run can be split by scenario.
    private static readonly string? s_phaseLog = Environment.GetEnvironmentVariable("PHASE_LOG");

    private static async Task<Measurement> TimeAsync(string label, Uri[] urls, Func<Uri, CancellationToken, Task<int>> load)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long bytes = 0;
        var (user0, system0) = StoreProfile.Ticks();
        var workItems0 = ThreadPool.CompletedWorkItemCount;
        var start = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(urls, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (url, token) =>
        {
            var length = await load(url, token).ConfigureAwait(false);
            Interlocked.Add(ref bytes, length);
        }).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var (user1, system1) = StoreProfile.Ticks();
        Timed.Add(urls.Length, user1 - user0, system1 - system0, ThreadPool.CompletedWorkItemCount - workItems0);
        if (s_phaseLog is not null)
        {
            var nanoseconds = 1e9 / Stopwatch.Frequency;
            await File.AppendAllTextAsync(s_phaseLog, string.Create(CultureInfo.InvariantCulture, $"{label} {(long)(start * nanoseconds)} {(long)((start + (long)(seconds * Stopwatch.Frequency)) * nanoseconds)}\n")).ConfigureAwait(false);
        }
        return new Measurement(urls.Length / seconds, bytes / 1e6 / seconds);
    }

    /// <summary>What the timed loads alone cost, summed over every timed run of the process (not what runs between them).</summary>
    private static class Timed
    {
        private static long s_images;
        private static long s_userTicks;
        private static long s_systemTicks;
        private static long s_workItems;

        public static void Add(long images, long userTicks, long systemTicks, long workItems)
        {
            s_images += images;
            s_userTicks += userTicks;
            s_systemTicks += systemTicks;
            s_workItems += workItems;
        }

        public static void Reset() => (s_images, s_userTicks, s_systemTicks, s_workItems) = (0, 0, 0, 0);

        public static string Describe() => s_images == 0
            ? "no timed loads"
            : string.Create(CultureInfo.InvariantCulture, $"in the timed loads alone: CPU user {s_userTicks * 10_000.0 / s_images:N0} sys {s_systemTicks * 10_000.0 / s_images:N0} µs, thread-pool work items {(double)s_workItems / s_images:N2} per image");
    }
}
