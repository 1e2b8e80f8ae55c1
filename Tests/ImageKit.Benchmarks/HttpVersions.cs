using System.Diagnostics;
using System.Globalization;
using System.Net;
using ImageKit.Loading;

namespace ImageKit.Benchmarks;

/// <summary>
/// <c>http-versions N</c>: the 1,000 pipeline images downloaded over HTTPS from a loopback Kestrel server (self-signed
/// certificate, HTTP/2 and HTTP/1.1 offered), 6 at a time, by a new <see cref="ImageDownloader"/> per run, so each run
/// includes its connections' TLS handshakes: the downloader's default (HTTP/2 through ALPN: one connection) against
/// <see cref="ImageDownloaderOptions.MaxHttpVersion"/> 1.1 (six connections). With and without 10 ms of server latency.
/// </summary>
internal static class HttpVersions
{
    public static async Task RunAsync(TextWriter output, int repetitions)
    {
        var culture = CultureInfo.InvariantCulture;

        // The server runs in a child process, so that the CPU measured is the client's alone (Kestrel's HTTP/2 costs more
        // than its HTTP/1.1 too, and would otherwise be counted and share the client's cores unevenly).
        var start = SelfProcess.StartInfo(["http-versions-server"]);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        using var server = Process.Start(start) ?? throw new InvalidOperationException("cannot start the server process");
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the server process ended before it listened");
            var parts = ready.Split(' ');
            var baseAddress = new Uri(parts[1]);
            var count = int.Parse(parts[2], culture);
            var bytes = long.Parse(parts[3], culture);
            await RunAgainstAsync(output, baseAddress, count, bytes, repetitions);
        }
        finally
        {
            server.StandardInput.Close();
            if (!server.WaitForExit(10_000))
            {
                server.Kill();
            }
        }
    }

    /// <summary>The server side: prints <c>listening URL COUNT BYTES</c>, then serves until its standard input closes.</summary>
    public static async Task ServeAsync(TextWriter output)
    {
        var images = PipelineImages.Create();
        using var certificate = ImageKit.Tests.TestUtilities.TestCertificates.SelfSignedForLoopback();
        await using var server = await PipelineLoad.StartServerAsync(images, certificate);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"listening {PipelineLoad.BaseAddressOf(server)} {images.Length} {images.Sum(i => (long)i.Data.Length)}"));
        output.Flush();
        await Console.In.ReadToEndAsync();
    }

    private static async Task RunAgainstAsync(TextWriter output, Uri baseAddress, int count, long bytes, int repetitions)
    {
        var culture = CultureInfo.InvariantCulture;
        var results = new Dictionary<string, List<(double PerSecond, double CpuMicroseconds)>>(StringComparer.Ordinal);
        foreach (var delay in new[] { 0, 10 })
        {
            var urls = Enumerable.Range(0, count)
                .Select(i => new Uri(baseAddress, delay == 0 ? string.Create(culture, $"/img/{i}") : string.Create(culture, $"/img/{i}?delayMs={delay}")))
                .ToArray();
            await RunOnceAsync(urls, http2: true);
            await RunOnceAsync(urls, http2: false);
            for (var rep = 0; rep < repetitions; rep++)
            {
                foreach (var http2 in rep % 2 == 0 ? [true, false] : (bool[])[false, true])
                {
                    var name = string.Create(culture, $"{(http2 ? "HTTP/2 (default)" : "HTTP/1.1 (MaxHttpVersion 1.1)")}, {(delay == 0 ? "no added latency" : $"{delay} ms server latency")}");
                    if (!results.TryGetValue(name, out var list))
                    {
                        results[name] = list = [];
                    }

                    list.Add(await RunOnceAsync(urls, http2));
                }
            }
        }

        output.WriteLine(string.Create(culture, $"{count:N0} images, {bytes / 1e6:N1} MB over HTTPS from 127.0.0.1 (the server in another process), 6 in flight, a new downloader per run; {repetitions} runs each, alternating"));
        output.WriteLine();
        output.WriteLine("| protocol, server | images/s, median (min–max) | client process CPU per image, median (µs) |");
        output.WriteLine("|---|---:|---:|");
        foreach (var (name, list) in results)
        {
            var rates = list.Select(r => r.PerSecond).Order().ToArray();
            var cpu = list.Select(r => r.CpuMicroseconds).Order().ToArray();
            output.WriteLine(string.Create(culture, $"| {name} | {rates[rates.Length / 2]:N0} ({rates[0]:N0}–{rates[^1]:N0}) | {cpu[cpu.Length / 2]:N0} |"));
        }
    }

    private static async Task<(double PerSecond, double CpuMicroseconds)> RunOnceAsync(Uri[] urls, bool http2)
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions
        {
            AllowInvalidCertificates = true, // the benchmark's own self-signed loopback server
            MaxHttpVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
        });
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(urls, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (url, token) =>
        {
            var response = await downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: token);
            if (response.Data.IsEmpty)
            {
                throw new InvalidOperationException("empty body");
            }
        });
        var elapsed = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        return (urls.Length / elapsed.TotalSeconds, cpu.TotalMicroseconds / urls.Length);
    }
}
