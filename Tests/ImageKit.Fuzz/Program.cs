using ImageKit.Decoding;
using SharpFuzz;

namespace ImageKit.Fuzz;

/// <summary>
/// The fuzz target: any bytes go through <see cref="AnimatedImage.Decode(ReadOnlySpan{byte}, ImageDecodeOptions?)"/>,
/// every frame (up to <see cref="MaxFrames"/>), and a thumbnail decode. The only exception allowed out of ImageKit is
/// <see cref="ImageDecodingException"/> with a message; anything else escapes and is a finding.
/// </summary>
internal static class Program
{
    private const int MaxFrames = 24;

    private static readonly DecodingLimits s_limits = new()
    {
        MaxPixelsPerFrame = 4_000_000,
        MaxFrameCount = 1_000,
        MaxTotalDecodedBytes = 256L * 1024 * 1024,
    };

    private static readonly ImageDecodeOptions s_full = new() { Limits = s_limits };

    private static readonly ImageDecodeOptions s_thumbnail = new() { Limits = s_limits, ThumbnailPixelSize = new System.Drawing.Size(48, 48) };

    /// <summary>
    /// <c>fuzz</c>: run under <c>afl-fuzz</c> (the SharpFuzz-instrumented ImageKit.dll beside this program);
    /// <c>fuzz --self-test</c>: the same, but every input that decodes is a finding, to check that findings are seen.
    /// <c>replay PATH...</c>: run files or folders of inputs once each and print what happened, for triage and reruns.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args is ["fuzz"] or ["fuzz", "--self-test"])
        {
            // --self-test throws on every input that decodes: a campaign that saves no crash then is not seeing findings.
            var selfTest = args.Length == 2;
            Fuzzer.Run(stream =>
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var outcome = Exercise(copy.ToArray());
                if (selfTest && outcome.StartsWith("decoded", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("self-test finding");
                }
            });
            return 0;
        }

        if (args is ["replay", .. var paths] && paths.Length > 0)
        {
            return Replay(paths);
        }

        Console.Error.WriteLine("usage: ImageKit.Fuzz fuzz [--self-test] | replay PATH...");
        return 2;
    }

    private static int Replay(string[] paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : [p]).Order(StringComparer.Ordinal).ToArray();
        var failures = 0;
        foreach (var file in files)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                var outcome = Exercise(File.ReadAllBytes(file));
                Console.WriteLine($"{Path.GetFileName(file)}: {outcome} ({System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms)");
            }
#pragma warning disable CA1031 // Replay reports every unexpected exception and goes on with the next input.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                Console.WriteLine($"{Path.GetFileName(file)}: FINDING {e.GetType().FullName}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }

        Console.WriteLine($"{files.Length} inputs, {failures} findings");
        return failures == 0 ? 0 : 1;
    }

    private static string Exercise(byte[] data)
    {
        try
        {
            int frames;
            using (var image = AnimatedImage.Decode(data, s_full))
            {
                frames = Math.Min(image.FrameCount, MaxFrames);
                for (var i = 0; i < frames; i++)
                {
                    using var frame = image.GetFrame(i);
                }
            }

            using (var thumbnail = AnimatedImage.Decode(data, s_thumbnail))
            {
                using var first = thumbnail.GetFrame(0);
            }

            return $"decoded, {frames} frames";
        }
        catch (ImageDecodingException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
            return $"rejected: {e.GetType().Name}: {e.Message}";
        }
    }
}
