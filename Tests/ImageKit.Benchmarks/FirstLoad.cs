using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ImageKit.Caching;
using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// Time to the first image in a fresh process, what an app pays at launch: <c>first-load N</c> starts this program N
/// times per variant (each child loads one 480×360 GIF from a loopback socket and decodes its first frame) and prints
/// medians. Variants: the naive HttpClient + SKCodec load; an <see cref="ImageManager"/> with a memory cache only; with a
/// disk cache in a new folder; and with a disk cache that already holds the image (an app's relaunch: a disk hit); the
/// two disk variants also with <see cref="ImageCacheOptions.OpenDiskInBackground"/> ("-background"). "memory-warm-up"
/// calls <see cref="ImageManager.WarmUpAsync"/> and loads at once; the "idle-" variants wait 300 ms after creating the
/// manager (an app building its window) and time the load alone: the naive one, a memory-only manager and a relaunch's
/// disk hit, each with and without a warm-up started when the manager was created.
/// Run it from a ReadyToRun publish too, to see what apps that publish that way get.
/// </summary>
internal static class FirstLoad
{
    // How long the "idle-" variants wait between creating the manager and asking for the image.
    private const int IdleMilliseconds = 300;

    private static readonly string[] s_variants = (Environment.GetEnvironmentVariable("FIRST_LOAD_VARIANTS") ?? "naive,memory,memory-warm-up,disk,disk-background,disk-hit,disk-hit-background,idle-naive,idle-memory,idle-memory-warm-up,idle-disk-hit,idle-disk-hit-warm-up").Split(',');

    public static int RunAll(TextWriter output, int runs)
    {
        var hitFolder = Directory.CreateTempSubdirectory("imagekit-first-load-").FullName;
        try
        {
            RunChild("disk-fill", hitFolder); // the disk-hit children find the image there
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| variant | first image, ms, median (min–max of {runs}) | of which creating the manager, ms |"));
            output.WriteLine("|---|---:|---:|");
            foreach (var variant in s_variants)
            {
                var samples = Enumerable.Range(0, runs).Select(_ => RunChild(variant, hitFolder)).ToArray();
                var totals = samples.Select(s => s.Total).Order().ToArray();
                var managers = samples.Select(s => s.Manager).Order().ToArray();
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {variant} | {totals[runs / 2]:F0} ({totals[0]:F0}–{totals[^1]:F0}) | {(variant == "naive" ? "–" : managers[runs / 2].ToString("F0", CultureInfo.InvariantCulture))} |"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(hitFolder, recursive: true);
        }
    }

    /// <summary>One first load in this process; prints "total manager source" in milliseconds.</summary>
    public static async Task<int> RunOnceAsync(TextWriter output, string variant, string hitFolder)
    {
        var image = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "flight-480x360.gif"));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _ = ServeAsync(listener, image);
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/flight-480x360.gif");

        var clock = Stopwatch.StartNew();
        double manager = 0;
        double total;
        string source;
        if (variant.StartsWith("idle-", StringComparison.Ordinal) || variant == "memory-warm-up")
        {
            // The app creates its manager at launch and needs its first image IdleMilliseconds later (its window being
            // built meanwhile): the time is the load's alone, from the moment it is asked for.
            // A relaunch's disk hit opens the index in the background, as the README recommends.
            var diskHit = variant.Contains("disk-hit", StringComparison.Ordinal);
            await using var images = new ImageManager(new ImageCacheOptions
            {
                Disk = diskHit ? new DiskImageCacheOptions { Directory = hitFolder } : null,
                OpenDiskInBackground = diskHit,
            });
            manager = clock.Elapsed.TotalMilliseconds;
            if (variant.EndsWith("-warm-up", StringComparison.Ordinal))
            {
                _ = images.WarmUpAsync();
            }

            if (variant.StartsWith("idle-", StringComparison.Ordinal))
            {
                Thread.Sleep(IdleMilliseconds);
            }

            clock.Restart();
            if (variant == "idle-naive")
            {
                using var http = new HttpClient();
                var data = await http.GetByteArrayAsync(url);
                using var codec = SKCodec.Create(SKData.CreateCopy(data));
                using var bitmap = new SKBitmap(codec.Info);
                codec.GetPixels(bitmap.Info, bitmap.GetPixels());
                source = "network";
            }
            else
            {
                using var result = await images.LoadImageAsync(url, new ImageLoadOptions { CacheKey = static u => u.AbsolutePath });
                using (result.Image.GetFrame(0))
                {
                }

                source = result.Source.ToString();
            }

            total = clock.Elapsed.TotalMilliseconds;
        }
        else if (variant == "naive")
        {
            using var http = new HttpClient();
            var data = await http.GetByteArrayAsync(url);
            using var codec = SKCodec.Create(SKData.CreateCopy(data));
            using var bitmap = new SKBitmap(codec.Info);
            codec.GetPixels(bitmap.Info, bitmap.GetPixels());
            total = clock.Elapsed.TotalMilliseconds;
            source = "network";
        }
        else
        {
            var shared = variant is "disk-hit" or "disk-hit-background" or "disk-fill";
            var folder = shared ? hitFolder : Directory.CreateTempSubdirectory("imagekit-first-load-").FullName;
            var disk = variant == "memory" ? null : new DiskImageCacheOptions { Directory = folder };
            var background = variant.EndsWith("-background", StringComparison.Ordinal);
            await using (var images = new ImageManager(new ImageCacheOptions { Disk = disk, OpenDiskInBackground = background }))
            {
                manager = clock.Elapsed.TotalMilliseconds;

                // The port changes from run to run; the key must not, for the relaunch to find the image on disk.
                // Only the filling run waits for its store; a launch shows the image before it is on disk.
                var result = await images.LoadImageAsync(url, new ImageLoadOptions { CacheKey = static u => u.AbsolutePath, WaitForDiskStore = variant == "disk-fill" });
                using (result.Image.GetFrame(0))
                {
                    total = clock.Elapsed.TotalMilliseconds;
                }

                source = result.Source.ToString();
            }

            if (!shared)
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total:F1} {manager:F1} {source}"));
        return 0;
    }

    private static (double Total, double Manager) RunChild(string variant, string hitFolder)
    {
        var start = SelfProcess.StartInfo(["first-load-once", variant, hitFolder]);
        start.RedirectStandardOutput = true;
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {start.FileName}");
        var line = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        var parts = line.Split(' ');
        if (child.ExitCode != 0 || parts.Length != 3)
        {
            throw new InvalidOperationException($"first-load-once {variant} failed: {line}");
        }

        var expected = variant.Contains("disk-hit", StringComparison.Ordinal) ? "disk" : "network";
        if (!parts[2].Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"first-load-once {variant} loaded from {parts[2]}, not {expected}");
        }

        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    // Answers every request on every connection with the image (keep-alive), until the process ends.
    private static async Task ServeAsync(TcpListener listener, byte[] image)
    {
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {image.Length}\r\n\r\n");
        while (true)
        {
            var client = await listener.AcceptTcpClientAsync();
            _ = Task.Run(async () =>
            {
                using var connection = client;
                var stream = connection.GetStream();
                var buffer = new byte[8192];
                while (await stream.ReadAsync(buffer) > 0)
                {
                    await stream.WriteAsync(head);
                    await stream.WriteAsync(image);
                }
            });
        }
    }

}
