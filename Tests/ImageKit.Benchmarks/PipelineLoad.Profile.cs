using System.Globalization;
using ImageKit.Caching;
using ImageKit.Loading;

namespace ImageKit.Benchmarks;

internal static partial class PipelineLoad
{
    /// <summary>
    /// Runs one cold scenario over and over for a CPU profiler: <c>naive-open</c>, <c>naive-ff</c>, <c>memory-open</c>,
    /// <c>memory-ff</c>, <c>disk-open</c> or <c>disk-ff</c>; <c>-keep</c> (naive: keep every bitmap until the round ends),
    /// <c>-nokeep</c> (ImageKit: a memory cache that keeps nothing) and <c>-bare</c> (no retries, no circuit breaker) vary them. With <c>PERF_CTL_FIFO</c> set (perf record --control
    /// fifo:PATH -D -1), profiling is switched on only once the images are made and the server runs, and off at the end.
    /// </summary>
    public static async Task ProfileAsync(TextWriter output, string variant, int rounds)
    {
        var culture = CultureInfo.InvariantCulture;
        var images = PipelineImages.Create();
        await using var server = await PipelineServer.StartAsync(images);
        var urls = Enumerable.Range(0, images.Length).Select(i => new Uri(server.BaseAddress, string.Create(culture, $"/img/{i}"))).ToArray();
        var root = Path.Combine(Path.GetTempPath(), "imagekit-bench", string.Create(culture, $"pipeline-profile-{Environment.ProcessId}"));
        var firstFrame = variant.Contains("-ff", StringComparison.Ordinal);
        var fifo = Environment.GetEnvironmentVariable("PERF_CTL_FIFO");

        // PROFILE_WINDOW_ONLY: profile only the timed loads of each round, not the set-up and disposal (store drain).
        var windowOnly = Environment.GetEnvironmentVariable("PROFILE_WINDOW_ONLY") is not null;
        await RoundAsync(-1);
        using var sampler = Environment.GetEnvironmentVariable("PROFILE_ALLOC") is not null ? new AllocationSampler() : null;
        if (sampler is not null)
        {
            sampler.Recording = true;
        }

        using var gcSampler = Environment.GetEnvironmentVariable("PROFILE_GC") is not null ? new GcPauseSampler() : null;
        if (gcSampler is not null)
        {
            gcSampler.Recording = true;
        }

        if (fifo is not null && !windowOnly)
        {
            await File.WriteAllTextAsync(fifo, "enable\n");
        }

        Timed.Reset();
        var (u0, s0) = StoreProfile.Ticks();
        var pause0 = GC.GetTotalPauseDuration();
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var gcs0 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var workItems0 = ThreadPool.CompletedWorkItemCount;
        var switches0 = ContextSwitches();
        var samples = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            samples.Add((await RoundAsync(round)).ImagesPerSecond);
            if (Environment.GetEnvironmentVariable("PROFILE_ROUNDS") is not null)
            {
                Console.Error.WriteLine(string.Create(culture, $"=== round {round + 1}: {samples[^1]:N0} images/s; methods jitted {System.Runtime.JitInfo.GetCompiledMethodCount()}, JIT time {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:N0} ms"));
            }
        }

        var (u1, s1) = StoreProfile.Ticks();
        var pause = GC.GetTotalPauseDuration() - pause0;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
        var gcs = (GC.CollectionCount(0) - gcs0.Item1, GC.CollectionCount(1) - gcs0.Item2, GC.CollectionCount(2) - gcs0.Item3);
        var workItems = ThreadPool.CompletedWorkItemCount - workItems0;
        var switches = ContextSwitches() - switches0;
        if (fifo is not null && !windowOnly)
        {
            await File.WriteAllTextAsync(fifo, "disable\n");
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        samples.Sort();
        var count = (double)rounds * urls.Length;
        if (sampler is not null)
        {
            sampler.Recording = false;
            sampler.Report(output, count);
        }

        if (gcSampler is not null)
        {
            await Task.Delay(1000);
            gcSampler.Recording = false;
            gcSampler.Report(output, count);
        }

        output.WriteLine(string.Create(culture, $"{variant}: median {samples[samples.Count / 2]:N0} images/s over {rounds} rounds; CPU user {(u1 - u0) * 10_000.0 / count:N0} sys {(s1 - s0) * 10_000.0 / count:N0} µs per image; GC pauses {pause.TotalMilliseconds * 1000 / count:N1} µs per image, GCs gen0/1/2 {gcs.Item1}/{gcs.Item2}/{gcs.Item3}; managed allocations {allocated / count:N0} bytes per image; thread-pool work items {workItems / count:N2}, context switches {switches / count:N2} per image"));
        output.WriteLine($"  {Timed.Describe()}");

        // With PROFILE_WINDOW_ONLY, perf records only the timed loads of measured rounds (naive and ImageKit alike).
        async Task WindowAsync(int round, string command)
        {
            if (fifo is not null && windowOnly && round >= 0)
            {
                await File.WriteAllTextAsync(fifo, command + "\n");
            }
        }

        async Task<Measurement> RoundAsync(int round)
        {
            if (variant.StartsWith("naive", StringComparison.Ordinal))
            {
                await WindowAsync(round, "enable");
                var naive = await NaiveAsync(urls, firstFrame, keepBitmaps: variant.Contains("-keep", StringComparison.Ordinal));
                await WindowAsync(round, "disable");
                return naive;
            }

            // "-nokeep": the memory cache keeps nothing, so each image is released once its load has read it (as the naive loop does).
            var options = new ImageCacheOptions
            {
                Memory = variant.Contains("-nokeep", StringComparison.Ordinal)
                    ? new MemoryImageCacheOptions { MaxCost = 0, UseWeakCache = false }
                    : new MemoryImageCacheOptions { MaxCost = 4L << 30 },
            };
            if (variant.StartsWith("disk", StringComparison.Ordinal))
            {
                options = options with { Disk = new DiskImageCacheOptions { Directory = Path.Combine(root, string.Create(culture, $"r{round + 1}")) } };
            }

            var cache = new ImageCache(options);
            using var downloader = variant.EndsWith("-bare", StringComparison.Ordinal)
                ? new ImageDownloader(new ImageDownloaderOptions { Retry = new() { MaxRetries = 0 }, CircuitBreaker = new() { Enabled = false } })
                : new ImageDownloader();
            var manager = new ImageManager(cache, downloader);
            try
            {
                await WindowAsync(round, "enable");
                var measured = await TimeAsync(urls, (url, token) => LoadAsync(manager, url, firstFrame, ImageLoadSource.Network, token));
                await WindowAsync(round, "disable");

                if (cache.Disk is { } stored && Environment.GetEnvironmentVariable("PROFILE_ROUNDS") is not null)
                {
                    // Stores are meant to wait until loading pauses: entries already on disk here landed during the loads.
                    var statistics = await stored.GetStatisticsAsync();
                    Console.Error.WriteLine(string.Create(culture, $"    entries on disk when the loads ended: {statistics.EntryCount}"));
                }

                return measured;
            }
            finally
            {
                await manager.DisposeAsync();
                if (cache.Disk is { } disk && Environment.GetEnvironmentVariable("PROFILE_ROUNDS") is not null)
                {
                    Console.Error.WriteLine(string.Create(culture, $"    inline transactions: {disk.InlineTransactions}"));
                }

                await cache.DisposeAsync();
            }
        }
    }

    // Voluntary and involuntary context switches of every thread of this process so far (Linux /proc; 0 elsewhere).
    private static long ContextSwitches()
    {
        long total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
        }
        catch (IOException)
        {
        }

        return total;
    }
}
