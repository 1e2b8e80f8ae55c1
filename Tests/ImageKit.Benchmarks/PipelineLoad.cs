using System.Globalization;
using System.Net;
using ImageKit.Caching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageKit.Benchmarks;

/// <summary>
/// Not a BenchmarkDotNet benchmark: images/s and MB/s through <see cref="ImageManager"/> — cold (network + decode +
/// store, fresh disk folder), warm (a new manager on the same folder: disk hits) and hot (the same manager again: memory
/// hits) — beside a naive loop of HttpClient + SKCodec, all with 6 loads in flight, against a Kestrel server on
/// 127.0.0.1 in the same process serving 1,000 distinct images (<see cref="PipelineImages"/>).
/// Run: <c>dotnet run -c Release --project Tests/ImageKit.Benchmarks -- pipeline [REPETITIONS]</c>.
/// </summary>
internal static partial class PipelineLoad
{
    private const int Concurrency = 6;

    public static async Task RunAsync(TextWriter output, int repetitions = 5)
    {
        var culture = CultureInfo.InvariantCulture;
        var images = PipelineImages.Create();
        var totalBytes = images.Sum(i => (long)i.Data.Length);
        var sizes = images.Select(i => i.Data.Length).Order().ToArray();
        output.WriteLine(string.Create(culture,
            $"{images.Length:N0} distinct images ({images.Count(i => i.Animated)} animated), {totalBytes / 1e6:N1} MB; sizes p10 {sizes[sizes.Length / 10] / 1024.0:N1} KiB, median {sizes[sizes.Length / 2] / 1024.0:N1} KiB, p90 {sizes[sizes.Length * 9 / 10] / 1024.0:N1} KiB, max {sizes[^1] / 1024.0:N1} KiB"));
        output.WriteLine(string.Create(culture, $"PNG {images.Count(i => i.ContentType == "image/png")}, JPEG {images.Count(i => i.ContentType == "image/jpeg")}, WebP {images.Count(i => i.ContentType == "image/webp")}, GIF {images.Count(i => i.ContentType == "image/gif")}; {Concurrency} loads in flight; {Environment.ProcessorCount} cores"));

        foreach (var type in images.GroupBy(i => i.ContentType + (i.Animated ? " animated" : "")))
        {
            var s = type.Select(i => i.Data.Length).Order().ToArray();
            output.WriteLine(string.Create(culture, $"  {type.Key}: {s.Length}, p10 {s[s.Length / 10] / 1024.0:N1} KiB, median {s[s.Length / 2] / 1024.0:N1} KiB, p90 {s[s.Length * 9 / 10] / 1024.0:N1} KiB"));
        }

        await using var server = await PipelineServer.StartAsync(images);
        output.WriteLine(server.OutOfProcess ? "server: Kestrel in a process of its own (PIPELINE_SERVER_PROCESS=1)" : "server: Kestrel in this process");
        var urls = Enumerable.Range(0, images.Length).Select(i => new Uri(server.BaseAddress, string.Create(culture, $"/img/{i}"))).ToArray();
        var root = Path.Combine(Path.GetTempPath(), "imagekit-bench", "pipeline");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        // Warm-up: JIT, connection set-up code paths, Skia's codecs; not measured.
        await NaiveAsync(urls, firstFrame: true);
        await ImageKitRoundAsync(urls, Path.Combine(root, "warm-up"), firstFrame: true);

        // For finding what one scenario leaves behind for the next: PIPELINE_ROWS=core runs only the naive loop and ImageKit's
        // cold/warm/hot round, PIPELINE_VARIANTS=ff (or open) only that variant.
        var coreOnly = Environment.GetEnvironmentVariable("PIPELINE_ROWS") == "core";
        var onlyVariant = Environment.GetEnvironmentVariable("PIPELINE_VARIANTS");
        var samples = new Dictionary<string, List<Measurement>>(StringComparer.Ordinal);
        for (var rep = 0; rep < repetitions; rep++)
        {
            // Alternate the variant that goes first and, below, the side that goes first, as the shared machine drifts.
            var variants = rep % 2 == 0 ? [false, true] : (bool[])[true, false];
            foreach (var firstFrame in variants.Where(ff => onlyVariant is null || (onlyVariant == "ff") == ff))
            {
                var suffix = firstFrame ? ", first frame" : ", open";
                Measurement naive;
                (Measurement Cold, Measurement ColdDrained, Measurement Warm, Measurement Hot) round;
                var directory = Path.Combine(root, string.Create(culture, $"rep{rep}-{firstFrame}"));
                if (rep % 2 == 0)
                {
                    naive = await NaiveAsync(urls, firstFrame);
                    round = await ImageKitRoundAsync(urls, directory, firstFrame);
                }
                else
                {
                    round = await ImageKitRoundAsync(urls, directory, firstFrame);
                    naive = await NaiveAsync(urls, firstFrame);
                }

                Add(samples, "naive HttpClient + SKCodec" + suffix, naive);
                if (coreOnly)
                {
                    Add(samples, "ImageKit cold" + suffix, round.Cold);
                    Add(samples, "ImageKit cold incl. store drain" + suffix, round.ColdDrained);
                    Add(samples, "ImageKit warm (disk)" + suffix, round.Warm);
                    Add(samples, "ImageKit hot (memory)" + suffix, round.Hot);
                    continue;
                }

                if (firstFrame)
                {
                    Add(samples, "naive, keeping every decoded bitmap" + suffix, await NaiveAsync(urls, firstFrame, keepBitmaps: true));
                }

                // A naive disk cache: each body written to a file of its own before decoding (what the store-inclusive rows
                // below do in ImageKit's index and files), without and with a flush to the device.
                Add(samples, "naive, writing each body to a file" + suffix, await NaiveAsync(urls, firstFrame, files: NaiveFiles.Written, folder: Path.Combine(root, string.Create(culture, $"naive{rep}-{firstFrame}"))));
                Add(samples, "naive, writing and flushing each body to a file" + suffix, await NaiveAsync(urls, firstFrame, files: NaiveFiles.Flushed, folder: Path.Combine(root, string.Create(culture, $"naive{rep}-{firstFrame}-flushed"))));

                Add(samples, "ImageKit cold" + suffix, round.Cold);
                Add(samples, "ImageKit cold incl. store drain" + suffix, round.ColdDrained);
                Add(samples, "ImageKit cold, memory cache off" + suffix, await ColdWithoutMemoryCacheAsync(urls, Path.Combine(root, string.Create(culture, $"rep{rep}-{firstFrame}-nomemory")), firstFrame));
                Add(samples, "ImageKit cold, WaitForDiskStore" + suffix, await ColdWaitingForDiskAsync(urls, Path.Combine(root, string.Create(culture, $"rep{rep}-{firstFrame}-wait")), firstFrame));
                Add(samples, "ImageKit warm (disk)" + suffix, round.Warm);
                Add(samples, "ImageKit hot (memory)" + suffix, round.Hot);
            }

            output.WriteLine(string.Create(culture, $"repetition {rep + 1}/{repetitions} done"));
        }

        Directory.Delete(root, recursive: true);
        WriteTable(output, samples, repetitions);
    }

    private static void Add(Dictionary<string, List<Measurement>> samples, string name, Measurement m)
    {
        if (!samples.TryGetValue(name, out var list))
        {
            samples[name] = list = [];
        }

        list.Add(m);
    }

    private static void WriteTable(TextWriter output, Dictionary<string, List<Measurement>> samples, int repetitions)
    {
        var culture = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Create(culture, $"| scenario | images/s, median (min–max of {repetitions}) | MB/s, median | vs naive (same variant, median) | vs naive, paired by repetition: median (p25–p75), repetitions at 0.9× or better |"));
        output.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var variant in new[] { ", open", ", first frame" })
        {
            if (!samples.TryGetValue("naive HttpClient + SKCodec" + variant, out var naiveRuns))
            {
                continue; // PIPELINE_VARIANTS left it out
            }

            var naive = Median(naiveRuns.Select(m => m.ImagesPerSecond));
            foreach (var (name, list) in samples.Where(s => s.Key.EndsWith(variant, StringComparison.Ordinal)))
            {
                var ips = list.Select(m => m.ImagesPerSecond).ToArray();
                var mbs = Median(list.Select(m => m.MegabytesPerSecond));
                var median = Median(ips);

                // Each repetition ran its naive loop next to its ImageKit runs, so their ratio cancels most of the drift
                // between repetitions that the ratio of medians keeps.
                var paired = list.Zip(naiveRuns, (m, n) => m.ImagesPerSecond / n.ImagesPerSecond).Order().ToArray();
                var reached = paired.Count(r => r >= 0.9);
                output.WriteLine(string.Create(culture, $"| {name} | {median:N0} ({ips.Min():N0}–{ips.Max():N0}) | {mbs:N1} | {median / naive:N2}× | {Median(paired):N2}× ({Quantile(paired, 0.25):N2}–{Quantile(paired, 0.75):N2}), {reached} of {paired.Length} |"));
            }
        }

        WriteStoringTable(output, samples);
    }

    // The rows that include ImageKit's disk stores, against the naive loops that store their bodies in files too.
    private static void WriteStoringTable(TextWriter output, Dictionary<string, List<Measurement>> samples)
    {
        var culture = CultureInfo.InvariantCulture;
        string[] baselines = ["naive, writing each body to a file", "naive, writing and flushing each body to a file"];
        string[] rows = ["ImageKit cold", "ImageKit cold incl. store drain", "ImageKit cold, WaitForDiskStore"];
        if (!samples.Keys.Any(k => k.StartsWith(baselines[0], StringComparison.Ordinal)))
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("| against a naive loop that stores too, paired median (p25–p75) | vs naive writing files | vs naive writing and flushing files |");
        output.WriteLine("|---|---:|---:|");
        foreach (var variant in new[] { ", open", ", first frame" })
        {
            foreach (var row in rows)
            {
                if (!samples.TryGetValue(row + variant, out var list) || !samples.ContainsKey(baselines[0] + variant))
                {
                    continue;
                }

                var cells = baselines.Select(b =>
                {
                    var paired = list.Zip(samples[b + variant], (m, n) => m.ImagesPerSecond / n.ImagesPerSecond).Order().ToArray();
                    return string.Create(culture, $"{Median(paired):N2}× ({Quantile(paired, 0.25):N2}–{Quantile(paired, 0.75):N2})");
                });
                output.WriteLine($"| {row}{variant} | {string.Join(" | ", cells)} |");
            }
        }
    }

    // Linear interpolation between the closest ranks of sorted values.
    private static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// Serves <c>GET /img/{i}</c> (with <c>?delayMs=N</c>, a server farther away) from 127.0.0.1; with a certificate over
    /// HTTPS only, offering HTTP/2 and HTTP/1.1.
    /// </summary>
    internal static async Task<WebApplication> StartServerAsync(PipelineImage[] images, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        // The content root is where the host watches appsettings*.json for changes (inotify, recursively): the current
        // directory would put every file written under it (another process's, or strace's output) on this process's CPU.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        app.MapGet("/img/{id:int}", async (int id, int? delayMs, HttpContext context) =>
        {
            if (delayMs is > 0)
            {
                await Task.Delay(delayMs.Value, context.RequestAborted); // a server farther away than loopback
            }

            var image = images[id];
            context.Response.ContentType = image.ContentType;
            context.Response.ContentLength = image.Data.Length;
            await context.Response.Body.WriteAsync(image.Data, context.RequestAborted);
        });
        await app.StartAsync();
        return app;
    }

    private static ImageCacheOptions CacheOptions(string directory) => new()
    {
        // Large enough for all 1,000 images, so "hot" measures memory hits and not evictions.
        Memory = new MemoryImageCacheOptions { MaxCost = 4L * 1024 * 1024 * 1024 },
        Disk = new DiskImageCacheOptions { Directory = directory },
    };

    internal static Uri BaseAddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private readonly record struct Measurement(double ImagesPerSecond, double MegabytesPerSecond);
}

