using System.Diagnostics;
using System.Globalization;
using ImageKit.Caching;

namespace ImageKit.Benchmarks;

/// <summary>
/// Not a BenchmarkDotNet benchmark (each measurement needs a cache of 100,000 files, built once and reused): open time,
/// hit latency and trim time of <see cref="DiskImageCache"/> against <see cref="NaiveFileCache"/>, SDDiskCache's design.
/// Run: <c>dotnet run -c Release --project Tests/ImageKit.Benchmarks -- disk-cache [ENTRIES]</c>. Data sets live in
/// <c>$TMPDIR/imagekit-bench/disk-cache</c> and are reused by later runs.
/// </summary>
internal static partial class DiskCacheLoad
{
    private const int SmallBlob = 1024;
    private const int HitBlob = 100 * 1024;
    private const int HitEntries = 1000;
    private const int HitReads = 5000;

    public static async Task RunAsync(TextWriter output, int entries = 100_000)
    {
        var root = Path.Combine(Path.GetTempPath(), "imagekit-bench", "disk-cache");
        var culture = CultureInfo.InvariantCulture;
        var big = await PrepareAsync(Path.Combine(root, $"imagekit-{entries}"), Path.Combine(root, $"naive-{entries}"), entries, SmallBlob, output);
        var hit = await PrepareAsync(Path.Combine(root, "imagekit-hit"), Path.Combine(root, "naive-hit"), HitEntries, HitBlob, output);

        output.WriteLine(string.Create(culture, $"{entries:N0} entries of {SmallBlob:N0} B for open and trim; {HitEntries:N0} entries of {HitBlob / 1024} KiB for hits; warm page cache"));
        output.WriteLine("| measurement | ImageKit DiskImageCache | naive file-per-key (SDDiskCache design) | naive / ImageKit |");
        output.WriteLine("|---|---:|---:|---:|");

        var openIk = Median(9, () => Time(() =>
        {
            using var cache = new DiskImageCache(Options(big.ImageKit));
            _ = cache.GetStatisticsAsync().GetAwaiter().GetResult().TotalBytes;
        }));
        var openNaive = Median(5, () => Time(() => _ = new NaiveFileCache(big.Naive).TotalSize()));
        Row(output, "open + total size (ms, median)", openIk, openNaive);

        var (ikP50, ikP99) = await HitLatencyAsync(async key => (await hit.ImageKitCache.GetAsync(key))!.Data.Length);
        var naiveHit = new NaiveFileCache(hit.Naive);
        var (naiveP50, naiveP99) = await HitLatencyAsync(async key => (await naiveHit.GetAsync(key)).Length);
        Row(output, "hit, 100 KiB, p50 (µs)", ikP50, naiveP50);
        Row(output, "hit, 100 KiB, p99 (µs)", ikP99, naiveP99);
        await hit.ImageKitCache.DisposeAsync();

        var trimIk = await TrimImageKitAsync(big.ImageKit, Path.Combine(root, "trim-imagekit"), entries);
        var trimNaive = TrimNaive(big.Naive, Path.Combine(root, "trim-naive"), entries);
        Row(output, string.Create(culture, $"trim {entries:N0} → {entries / 2:N0} (ms)"), trimIk, trimNaive);
        Directory.Delete(Path.Combine(root, "trim-imagekit"), recursive: true);
        Directory.Delete(Path.Combine(root, "trim-naive"), recursive: true);
        await big.ImageKitCache.DisposeAsync();
    }

    private static DiskImageCacheOptions Options(string directory) => new() { Directory = directory, MaxAge = TimeSpan.Zero };

    private static async Task<(double P50, double P99)> HitLatencyAsync(Func<string, Task<int>> get)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Warm up for a while, not a count: tiered JIT promotes hot methods only after ~100 ms without new tier-0 code.
        var random = new Random(1);
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            await get(Key(random.Next(HitEntries)));
        }

        // Three rounds; the median round's percentiles, as the machine is shared and one round can be disturbed.
        var rounds = new List<(double P50, double P99)>();
        for (var round = 0; round < 3; round++)
        {
            var samples = new double[HitReads];
            for (var i = 0; i < HitReads; i++)
            {
                var key = Key(random.Next(HitEntries));
                var start = Stopwatch.GetTimestamp();
                await get(key);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            Array.Sort(samples);
            rounds.Add((samples[HitReads / 2], samples[HitReads * 99 / 100]));
        }

        return (rounds.Select(r => r.P50).Order().ElementAt(1), rounds.Select(r => r.P99).Order().ElementAt(1));
    }

    private static async Task<double> TrimImageKitAsync(string source, string copy, int entries)
    {
        CopyFolder(source, copy);
        using var cache = new DiskImageCache(Options(copy));
        var total = (await cache.GetStatisticsAsync()).TotalBytes;
        var start = Stopwatch.GetTimestamp();
        var result = await cache.TrimAsync(maxSizeBytes: (long)(total / 2 / 0.8) + 1);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        Check(result.SizeRemoved, entries / 2, "ImageKit trim");
        return elapsed;
    }

    private static double TrimNaive(string source, string copy, int entries)
    {
        CopyFolder(source, copy);
        var cache = new NaiveFileCache(copy);
        var start = Stopwatch.GetTimestamp();
        var removed = cache.Trim(cache.TotalSize() / 2);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        Check(removed, entries / 2, "naive trim");
        return elapsed;
    }

    private static void Check(int removed, int expected, string what)
    {
        if (Math.Abs(removed - expected) > 1)
        {
            throw new InvalidOperationException($"{what} removed {removed}, expected {expected}");
        }
    }

    private static string Key(int i) => "https://images.example.com/photos/" + i.ToString(CultureInfo.InvariantCulture) + ".webp?w=640";

    private static double Time(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(int runs, Func<double> measure)
    {
        var samples = Enumerable.Range(0, runs).Select(_ => measure()).Order().ToArray();
        return samples[runs / 2];
    }

    private static void Row(TextWriter output, string name, double imageKit, double naive) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {imageKit:N1} | {naive:N1} | {naive / imageKit:N1}× |"));
}
