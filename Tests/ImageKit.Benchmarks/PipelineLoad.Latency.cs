using System.Globalization;

namespace ImageKit.Benchmarks;

internal static partial class PipelineLoad
{
    /// <summary>
    /// The cold scenarios against a server that waits <paramref name="latencyMilliseconds"/> before each response, as a
    /// server farther away than loopback does: how much of ImageKit's per-load cost is left once the network costs
    /// something.
    /// </summary>
    public static async Task LatencyAsync(TextWriter output, int latencyMilliseconds, int repetitions)
    {
        var culture = CultureInfo.InvariantCulture;
        var images = PipelineImages.Create();
        await using var server = await PipelineServer.StartAsync(images);
        var urls = Enumerable.Range(0, images.Length)
            .Select(i => new Uri(server.BaseAddress, string.Create(culture, $"/img/{i}?delayMs={latencyMilliseconds}")))
            .ToArray();
        var root = Path.Combine(Path.GetTempPath(), "imagekit-bench", string.Create(culture, $"pipeline-latency-{Environment.ProcessId}"));
        output.WriteLine(string.Create(culture, $"{images.Length:N0} images, {latencyMilliseconds} ms server latency, {Concurrency} loads in flight"));

        await NaiveAsync(urls, firstFrame: true);
        await ImageKitRoundAsync(urls, Path.Combine(root, "warm-up"), firstFrame: true);
        var samples = new Dictionary<string, List<Measurement>>(StringComparer.Ordinal);
        for (var rep = 0; rep < repetitions; rep++)
        {
            foreach (var firstFrame in rep % 2 == 0 ? [false, true] : (bool[])[true, false])
            {
                var suffix = firstFrame ? ", first frame" : ", open";
                var directory = Path.Combine(root, string.Create(culture, $"rep{rep}-{firstFrame}"));
                var naive = rep % 2 == 0 ? await NaiveAsync(urls, firstFrame) : default;
                var round = await ImageKitRoundAsync(urls, directory, firstFrame);
                if (rep % 2 == 1)
                {
                    naive = await NaiveAsync(urls, firstFrame);
                }

                Add(samples, "naive HttpClient + SKCodec" + suffix, naive);
                Add(samples, "ImageKit cold" + suffix, round.Cold);
                Add(samples, "ImageKit cold incl. store drain" + suffix, round.ColdDrained);
            }

            output.WriteLine(string.Create(culture, $"repetition {rep + 1}/{repetitions} done"));
        }

        Directory.Delete(root, recursive: true);
        WriteTable(output, samples, repetitions);
    }
}
