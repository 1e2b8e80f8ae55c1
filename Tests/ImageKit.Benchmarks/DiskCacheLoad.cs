using System.Diagnostics;
using System.Globalization;
using ImageKit.Caching;

namespace ImageKit.Benchmarks;

/// <summary>
/// Not a BenchmarkDotNet benchmark (each measurement needs a cache of 100,000 files, built once and reused): open time,
/// hit latency and trim time of <see cref="DiskImageCache"/> (entries inline in the index, the default for small ones,
/// and every entry in a file, <c>MaxInlineBytes = 0</c>) against <see cref="NaiveFileCache"/>, SDDiskCache's design.
/// Run: <c>dotnet run -c Release --project Tests/ImageKit.Benchmarks -- disk-cache [ENTRIES [ENTRY_BYTES]]</c> (open and
/// trim use ENTRIES entries of ENTRY_BYTES, default 100,000 of 1 KiB). Data sets live in
/// <c>$TMPDIR/imagekit-bench/disk-cache</c> and are reused by later runs.
/// </summary>
internal static partial class DiskCacheLoad
{
    private const int HitBlob = 100 * 1024;
    private const int SmallHitBlob = 13 * 1024; // the pipeline corpus's median image
    private const int HitEntries = 1000;
    private const int HitReads = 5000;

    public static async Task RunAsync(TextWriter output, int entries = 100_000, int entryBytes = 1024)
    {
        var root = Path.Combine(Path.GetTempPath(), "imagekit-bench", "disk-cache");
        var culture = CultureInfo.InvariantCulture;
        const int Inline = DiskImageCacheOptions.DefaultMaxInlineBytes;
        var suffix = entryBytes == 1024 ? string.Create(culture, $"{entries}") : string.Create(culture, $"{entries}x{entryBytes}");
        var big = await PrepareAsync(root, $"imagekit-v2-inline-{suffix}", $"naive-{suffix}", entries, entryBytes, Inline, output);
        var bigFiles = await PrepareAsync(root, $"imagekit-v2-files-{suffix}", $"naive-{suffix}", entries, entryBytes, 0, output);
        var hit = await PrepareAsync(root, "imagekit-v2-hit", "naive-hit", HitEntries, HitBlob, Inline, output);
        var smallHit = await PrepareAsync(root, "imagekit-v2-hit13-inline", "naive-hit13", HitEntries, SmallHitBlob, Inline, output);
        var smallHitFiles = await PrepareAsync(root, "imagekit-v2-hit13-files", "naive-hit13", HitEntries, SmallHitBlob, 0, output);

        output.WriteLine(string.Create(culture, $"{entries:N0} entries of {entryBytes:N0} B for open and trim; {HitEntries:N0} entries of {HitBlob / 1024} KiB and of {SmallHitBlob / 1024} KiB for hits; warm page cache"));
        output.WriteLine("| measurement | ImageKit, inline ≤ 64 KiB (default) | ImageKit, files (MaxInlineBytes = 0) | naive file-per-key (SDDiskCache design) | naive / ImageKit default |");
        output.WriteLine("|---|---:|---:|---:|---:|");

        var openIk = Median(9, () => Time(() => OpenAndTotal(big.ImageKit, Inline)));
        var openFiles = Median(9, () => Time(() => OpenAndTotal(bigFiles.ImageKit, 0)));
        var openNaive = Median(5, () => Time(() => _ = new NaiveFileCache(big.Naive).TotalSize()));
        Row(output, "open + total size (ms, median)", openIk, openFiles, openNaive);

        var (ikP50, ikP99) = await HitLatencyAsync(async key => (await hit.ImageKitCache.GetAsync(key))!.Data.Length);
        var naiveHit = new NaiveFileCache(hit.Naive);
        var (naiveP50, naiveP99) = await HitLatencyAsync(async key => (await naiveHit.GetAsync(key)).Length);
        Row(output, "hit, 100 KiB (a file either way), p50 (µs)", ikP50, null, naiveP50);
        Row(output, "hit, 100 KiB (a file either way), p99 (µs)", ikP99, null, naiveP99);
        await hit.ImageKitCache.DisposeAsync();

        var (smallP50, smallP99) = await HitLatencyAsync(async key => (await smallHit.ImageKitCache.GetAsync(key))!.Data.Length);
        var (smallFilesP50, smallFilesP99) = await HitLatencyAsync(async key => (await smallHitFiles.ImageKitCache.GetAsync(key))!.Data.Length);
        var naiveSmall = new NaiveFileCache(smallHit.Naive);
        var (naiveSmallP50, naiveSmallP99) = await HitLatencyAsync(async key => (await naiveSmall.GetAsync(key)).Length);
        Row(output, "hit, 13 KiB, p50 (µs)", smallP50, smallFilesP50, naiveSmallP50);
        Row(output, "hit, 13 KiB, p99 (µs)", smallP99, smallFilesP99, naiveSmallP99);
        await smallHit.ImageKitCache.DisposeAsync();
        await smallHitFiles.ImageKitCache.DisposeAsync();

        await big.ImageKitCache.DisposeAsync();
        await bigFiles.ImageKitCache.DisposeAsync();
        var trimIk = await TrimImageKitAsync(big.ImageKit, Path.Combine(root, "trim-imagekit"), entries, Inline);
        var trimFiles = await TrimImageKitAsync(bigFiles.ImageKit, Path.Combine(root, "trim-imagekit"), entries, 0);
        var trimNaive = TrimNaive(big.Naive, Path.Combine(root, "trim-naive"), entries);
        Row(output, string.Create(culture, $"trim {entries:N0} → {entries / 2:N0} (ms; inline includes the incremental vacuum)"), trimIk, trimFiles, trimNaive);
        var (deletes, vacuum) = TrimIndexOnly(big.ImageKit, Path.Combine(root, "trim-imagekit"), entries);
        output.WriteLine(string.Create(culture, $"(inline trim, index operations alone: deletes {deletes:N1} ms, then incremental vacuum {vacuum:N1} ms)"));
        Directory.Delete(Path.Combine(root, "trim-imagekit"), recursive: true);
        Directory.Delete(Path.Combine(root, "trim-naive"), recursive: true);
    }

    private static void OpenAndTotal(string directory, int maxInlineBytes)
    {
        using var cache = new DiskImageCache(Options(directory, maxInlineBytes));
        _ = cache.GetStatisticsAsync().GetAwaiter().GetResult().TotalBytes;
    }

    private static DiskImageCacheOptions Options(string directory, int maxInlineBytes) =>
        new() { Directory = directory, MaxAge = TimeSpan.Zero, MaxInlineBytes = maxInlineBytes };

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

    private static async Task<double> TrimImageKitAsync(string source, string copy, int entries, int maxInlineBytes)
    {
        CopyFolder(source, copy);
        using var cache = new DiskImageCache(Options(copy, maxInlineBytes));
        var total = (await cache.GetStatisticsAsync()).TotalBytes;
        var start = Stopwatch.GetTimestamp();
        var result = await cache.TrimAsync(maxSizeBytes: (long)(total / 2 / 0.8) + 1);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        Check(result.SizeRemoved, entries / 2, "ImageKit trim");
        return elapsed;
    }

    /// <summary>The inline trim's two SQLite parts, timed apart: the batched deletes (as TrimAsync does them) and the vacuum.</summary>
    private static (double Deletes, double Vacuum) TrimIndexOnly(string source, string copy, int entries)
    {
        CopyFolder(source, copy);
        using var index = new ImageKit.Caching.Internal.IndexDatabase(copy);
        var start = Stopwatch.GetTimestamp();
        var removed = 0;
        while (removed < entries / 2)
        {
            removed += index.Write(c =>
            {
                var rows = c.Oldest("last_access", long.MaxValue, Math.Min(1024, (entries / 2) - removed));
                foreach (var row in rows)
                {
                    c.DeleteById(row.Id);
                }

                return rows.Count;
            });
        }

        var deletes = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        start = Stopwatch.GetTimestamp();
        while (index.Write(c => c.ReleaseFreePages()) > 0)
        {
        }

        return (deletes, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
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

    private static void Row(TextWriter output, string name, double imageKit, double? files, double naive) =>
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {imageKit:N1} | {(files is { } f ? f.ToString("N1", CultureInfo.InvariantCulture) : "—")} | {naive:N1} | {naive / imageKit:N1}× |"));
}
