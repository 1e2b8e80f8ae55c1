using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ImageKit.Decoding;

namespace ImageKit.Cli.Commands;

/// <summary>
/// <c>imagekit demo</c>: the main job on an embedded default, with nothing to set up. Today it decodes one embedded
/// animation in all three animated formats (GIF, WebP, APNG), composites every frame, reports speed, and checks that the
/// three formats produce the same pictures.
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] s_assets = ["earth.gif", "earth.webp", "earth.apng"];

    public static Command Create(TextWriter stdout)
    {
        var framesDir = new Option<DirectoryInfo?>("--frames-dir")
        {
            Description = "Also write every frame of every format as PNG under this folder (one subfolder per format).",
        };
        var command = new Command("demo", "Decode the embedded demo animation as GIF, WebP and APNG and compare the results.")
        {
            framesDir,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var report = Run(parse.GetValue(framesDir), cancellationToken);
            await stdout.WriteAsync(report).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            return CliApp.Success;
        });

        return command;
    }

    internal static byte[] ReadAsset(string name)
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream($"ImageKit.Cli.Assets.{name}")
            ?? throw new InvalidOperationException($"The demo asset {name} is not embedded in this build.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string Run(DirectoryInfo? framesDir, CancellationToken cancellationToken)
    {
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("ImageKit demo: one embedded animation in three formats, every frame decoded and composited.");
        text.AppendLine();
        text.AppendLine("  file         format  size     frames  loops    one play  decode all frames  frames/s");

        // One untimed pass first, so the timings show decoding rather than the runtime's first-call compilation.
        foreach (var asset in s_assets)
        {
            using var warmUp = AnimatedImage.Decode(ReadAsset(asset));
            warmUp.GetFrame(warmUp.FrameCount - 1).Dispose();
        }

        var decodedFrames = new List<byte[][]>();
        foreach (var asset in s_assets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var data = ReadAsset(asset);
            var watch = Stopwatch.StartNew();
            using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { SourceName = asset });
            var frames = new byte[image.FrameCount][];
            for (var i = 0; i < image.FrameCount; i++)
            {
                using var frame = image.GetFrame(i);
                frames[i] = frame.ToRgba();
                if (framesDir is not null)
                {
                    WriteFrame(frame, Path.Combine(framesDir.FullName, Path.GetExtension(asset).TrimStart('.')));
                }
            }

            watch.Stop();
            decodedFrames.Add(frames);
            var loops = image.LoopCount == 0 ? "forever" : image.LoopCount.ToString(culture);
            text.AppendLine(culture,
                $"  {asset,-12} {InspectCommand.FormatName(image.Format),-7} {image.PixelWidth + "x" + image.PixelHeight,-8} {image.FrameCount,6}  {loops,-8} {image.TotalDuration.TotalSeconds,6:0.00} s  {watch.Elapsed.TotalMilliseconds,14:0.0} ms  {image.FrameCount / watch.Elapsed.TotalSeconds,8:0}");
        }

        text.AppendLine();
        text.AppendLine("Same pictures? Per-channel difference of the straight-alpha RGBA frames against the GIF:");
        for (var k = 1; k < s_assets.Length; k++)
        {
            var (max, mean) = Compare(decodedFrames[0], decodedFrames[k]);
            var verdict = max == 0 ? "identical" : mean < 4 ? "same picture (lossy encoding)" : "DIFFERENT";
            text.AppendLine(culture, $"  {s_assets[k],-12} max {max,3}, mean {mean:0.00}: {verdict}");
        }

        if (framesDir is not null)
        {
            text.AppendLine(culture, $"Frames written under {framesDir.FullName}");
        }

        return text.ToString();
    }

    private static (int Max, double Mean) Compare(byte[][] reference, byte[][] other)
    {
        if (reference.Length != other.Length)
        {
            return (255, 255);
        }

        var max = 0;
        long sum = 0, count = 0;
        for (var f = 0; f < reference.Length; f++)
        {
            var a = reference[f];
            var b = other[f];
            for (var i = 0; i < a.Length; i++)
            {
                var d = Math.Abs(a[i] - b[i]);
                max = Math.Max(max, d);
                sum += d;
            }

            count += a.Length;
        }

        return (max, (double)sum / count);
    }

    private static void WriteFrame(ImageFrame frame, string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            using var file = File.Create(Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"frame-{frame.Index:D4}.png")));
            frame.SaveAsPng(file);
        }
        catch (IOException e)
        {
            throw new CliException(directory, $"cannot write frames: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException(directory, "cannot write frames: permission denied", e);
        }
    }
}
