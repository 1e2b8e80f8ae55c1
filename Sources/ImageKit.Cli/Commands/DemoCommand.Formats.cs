using System.Globalization;
using ImageKit.Cli.Demo;
using ImageKit.Cli.Output;
using ImageKit.Decoding;

namespace ImageKit.Cli.Commands;

internal static partial class DemoCommand
{
    private static readonly string[] s_formats = ["earth.gif", "earth.webp", "earth.apng"];

    // The earth is bundled in three formats: composited frame by frame they must show the same pictures.
    private static async Task CompareFormatsAsync(ImageManager manager, SampleServer server, DirectoryInfo? framesDir, TextWriter stdout, CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        await stdout.WriteLineAsync().ConfigureAwait(false);
        await stdout.WriteLineAsync("4. Same pictures? The earth as GIF, WebP and APNG, every frame composited, against the GIF (straight-alpha RGBA)").ConfigureAwait(false);
        var decoded = new List<byte[][]>();

        // Written under temporary names and put in place once every format's frames are: a run that fails or is
        // interrupted half-way leaves the user's folder as it was, as inspect --frames-dir does.
        using var staged = framesDir is null ? null : new StagedFrames(framesDir);
        foreach (var asset in s_formats)
        {
            using var result = await manager.LoadImageAsync(server.Url(asset), s_loadOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
            var image = result.Image;
            var frames = new byte[image.FrameCount][];
            for (var i = 0; i < image.FrameCount; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var frame = image.GetFrame(i);
                frames[i] = frame.ToRgba();
                if (staged is not null)
                {
                    WriteFrame(frame, staged, Path.GetExtension(asset).TrimStart('.'));
                }
            }

            decoded.Add(frames);
        }

        for (var k = 1; k < s_formats.Length; k++)
        {
            var (max, mean) = Compare(decoded[0], decoded[k]);
            var verdict = max == 0 ? "identical" : mean < 4 ? "same picture (lossy encoding)" : "DIFFERENT";
            await stdout.WriteLineAsync(string.Create(c, $"   {s_formats[k],-12} {decoded[k].Length} frames, max difference {max,3}, mean {mean:0.00}: {verdict}")).ConfigureAwait(false);
        }

        if (framesDir is not null)
        {
            staged!.Commit();
            await stdout.WriteLineAsync(string.Create(c, $"   frames written under {TerminalText.Printable(framesDir.FullName)}")).ConfigureAwait(false);
        }
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

    private static void WriteFrame(ImageFrame frame, StagedFrames staged, string subfolder)
    {
        var directory = Path.Combine(staged.Directory.FullName, subfolder);
        try
        {
            using var file = staged.Create(Path.Combine(subfolder, StagedFrames.FrameFileName(frame.Index)));
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
