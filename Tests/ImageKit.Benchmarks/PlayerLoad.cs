using System.Diagnostics;
using System.Globalization;
using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Display;

namespace ImageKit.Benchmarks;

/// <summary>
/// Not a BenchmarkDotNet benchmark: CPU and memory of N players of the 480x360 GIF playing at once for a fixed time on
/// the real 60 Hz timer link, and the memory a naive player would take by decoding every frame up front. CPU is process
/// CPU time over wall time (100 % = one core). Run: <c>dotnet run -c Release --project Tests/ImageKit.Benchmarks -- players</c>.
/// </summary>
internal static class PlayerLoad
{
    public static void Run(TextWriter output, int seconds = 10, bool oneImage = false)
    {
        var data = BenchmarkInputs.Read("gif");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{BenchmarkInputs.FileName("gif")}, {seconds} s per run, timer link at 60 Hz, {(oneImage ? "all players on one decoded image" : "each player with its own decoded image")}"));
        output.WriteLine("| players | CPU (% of one core) | frames shown | frames skipped | buffer bytes (all players) | budget used | resident MiB | managed MiB |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var count in new[] { 1, 10, 50 })
        {
            RunPlayers(output, data, count, seconds, oneImage);
        }

        using var image = AnimatedImage.Decode(data);
        var naive = image.FrameByteCount * image.FrameCount;
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Decoding every frame up front (a naive player): {image.FrameCount} x {image.FrameByteCount:N0} = {naive:N0} bytes per player, {naive * 50 / 1048576.0:N0} MiB for 50 players."));
    }

    // oneImage: the same GIF shown in many places (a chat's reaction, a list's repeated badge), as an app loading it
    // through ImageManager gets it: one decoded image from the memory cache for every view.
    private static void RunPlayers(TextWriter output, byte[] data, int count, int seconds, bool oneImage)
    {
        using var links = new TimerDisplayLinkProvider(60);
        var budget = new FrameBudget(FrameBudget.Shared.CapacityBytes);
        var images = oneImage ? [AnimatedImage.Decode(data)] : Enumerable.Range(0, count).Select(_ => AnimatedImage.Decode(data)).ToArray();
        var players = Enumerable.Range(0, count).Select(i => images[i % images.Length]).Select(i => new AnimatedImagePlayer(i, new AnimatedImagePlayerOptions { DisplayLinkProvider = links, Budget = budget })).ToArray();
        using var process = Process.GetCurrentProcess();

        foreach (var player in players)
        {
            player.Play();
        }

        Thread.Sleep(1000); // let every buffer fill before measuring the steady state
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / wall.Elapsed.TotalMilliseconds * 100;
        var stats = players.Select(p => p.Statistics).ToArray();
        var resident = process.WorkingSet64 / 1048576.0;
        var managed = GC.GetTotalMemory(false) / 1048576.0;
        var used = budget.UsedBytes;

        foreach (var player in players)
        {
            player.Dispose();
        }

        foreach (var image in images)
        {
            image.Dispose();
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {count} | {cpu:0.0} | {stats.Sum(s => s.FramesShown):N0} | {stats.Sum(s => s.FramesSkipped):N0} | {stats.Sum(s => s.BufferedBytes):N0} | {used:N0} | {resident:0} | {managed:0} |"));
    }
}
