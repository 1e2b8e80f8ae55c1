using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ImageKit.Cli.Input;
using ImageKit.Cli.Output;
using ImageKit.Decoding;

namespace ImageKit.Cli.Commands;

/// <summary>
/// <c>imagekit inspect &lt;file-or-url&gt; [--json] [--frames-dir DIR]</c>: what an image is, frame by frame. Damaged input
/// is bad input (exit 2, one line on stderr): a frame that does not decode, or data that ends before its container does.
/// </summary>
internal static class InspectCommand
{
    private const int FramesShownInFull = 12;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<string>("file-or-url") { Description = "An image file, an http(s), file: or data: URL, or - for standard input." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var framesDir = new Option<DirectoryInfo?>("--frames-dir")
        {
            Description = "Write every composited frame as frame-0000.png, frame-0001.png, … (canvas size, RGBA, straight alpha); frame files of an earlier, longer animation there are removed.",
        };

        var header = RequestHeaders.CreateOption("the request when the input is an http(s) URL");
        var command = new Command("inspect", "Show an image's format, size, frames, loop count and durations.")
        {
            input,
            json,
            framesDir,
            header,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = parse.GetRequiredValue(input);
            var directory = parse.GetValue(framesDir);
            if (directory is not null)
            {
                FolderOption.EnsureFolderOrNothing("--frames-dir", directory.FullName);
            }

            var bytes = await InputReader.ReadAsync(source, RequestHeaders.Parse(parse.GetValue(header) ?? []), cancellationToken).ConfigureAwait(false);
            var name = InputReader.DisplayName(source);
            using var image = AnimatedImage.Decode(bytes, new ImageDecodeOptions { SourceName = name });

            if (directory is not null && FrameFileOfInput(source, directory, image.FrameCount) is { } overInput)
            {
                // Put in place, that frame would replace the animation it came from, as play refuses its contact sheet there.
                throw new CliException(overInput, "cannot write a frame over the image being inspected");
            }

            // Every frame is decoded before anything is printed, so damaged data is reported as an error, not as a
            // half-printed summary; frames are written under temporary names and put in place only once the whole file
            // has passed, so bad input leaves the folder as it was.
            using var written = directory is null ? null : new StagedFrames(directory) { Keep = file => PlayCommand.IsSameFile(source, file) };
            if (written is not null)
            {
                WriteFrames(image, written, name, cancellationToken);
            }
            else
            {
                VerifyFrames(image, cancellationToken);
            }

            // Decoders read a cut-off file as far as it goes (an APNG or animated WebP just has fewer frames); inspect
            // reports the cut, as it reports a GIF frame whose data ends early.
            if (ContainerEnd.FindTruncation(bytes, image.Format, image.FrameCount) is { } truncation)
            {
                throw new CliException(name, truncation);
            }

            written?.Commit();

            var text = parse.GetValue(json) ? FormatJson(image) : FormatText(image, name);
            await stdout.WriteAsync(text).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            return CliApp.Success;
        });

        return command;
    }

    internal static string FormatName(ImageFormat format) => format switch
    {
        ImageFormat.Gif => "gif",
        ImageFormat.WebP => "webp",
        ImageFormat.Apng => "apng",
        ImageFormat.Png => "png",
        ImageFormat.Jpeg => "jpeg",
        ImageFormat.Bmp => "bmp",
        ImageFormat.Ico => "ico",
        ImageFormat.Heif => "heif",
        ImageFormat.Avif => "avif",
        _ => "unknown",
    };

    // The frame file --frames-dir would write that is the input itself (links followed), or null.
    private static string? FrameFileOfInput(string source, DirectoryInfo directory, int frameCount)
    {
        if (InputReader.LocalPath(source) is not { } path || path.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var name = Path.GetFileName(PlayCommand.Resolve(path));
        return StagedFrames.TryParseFrameFileName(name, out var index)
            && index < frameCount
            && PlayCommand.IsSameFile(source, Path.Combine(directory.FullName, name))
                ? Path.Combine(directory.FullName, name)
                : null;
    }

    private static void VerifyFrames(AnimatedImage image, CancellationToken cancellationToken)
    {
        for (var i = 0; i < image.FrameCount; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            image.GetFrame(i).Dispose();
        }
    }

    private static void WriteFrames(AnimatedImage image, StagedFrames frames, string source, CancellationToken cancellationToken)
    {
        try
        {
            for (var i = 0; i < image.FrameCount; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var frame = image.GetFrame(i);
                using var file = frames.Create(StagedFrames.FrameFileName(i));
                frame.SaveAsPng(file);
            }
        }
        catch (IOException e)
        {
            throw new CliException(frames.Directory.FullName, $"cannot write frames: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException(frames.Directory.FullName, "cannot write frames: permission denied", e);
        }
        catch (ImageDecodingException e)
        {
            e.SourceName ??= source;
            throw;
        }
    }

    private static string FormatJson(AnimatedImage image)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("format", FormatName(image.Format));
            writer.WriteNumber("width", image.PixelWidth);
            writer.WriteNumber("height", image.PixelHeight);
            writer.WriteNumber("frameCount", image.FrameCount);
            writer.WriteNumber("loopCount", image.LoopCount);
            writer.WriteStartArray("durationsMs");
            foreach (var duration in image.FrameDurations)
            {
                writer.WriteNumberValue(duration.TotalMilliseconds);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("hasAlpha", image.HasAlpha);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }

    private static string FormatText(AnimatedImage image, string source)
    {
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(TerminalText.Printable(source)); // a file name may hold an escape sequence
        text.AppendLine(culture, $"  format      {FormatName(image.Format).ToUpperInvariant()}");
        text.AppendLine(culture, $"  size        {image.PixelWidth} x {image.PixelHeight}");
        if (image.AppliedExifOrientation is var orientation and >= 2 and <= 8)
        {
            // Other tools (identify, exiftool) report the stored size; say why this one differs. The names are EXIF's.
            string[] names = ["", "", "Mirror horizontal", "Rotate 180", "Mirror vertical", "Mirror horizontal and rotate 270 CW", "Rotate 90 CW", "Mirror horizontal and rotate 90 CW", "Rotate 270 CW"];
            var stored = orientation >= 5 ? $"{image.PixelHeight} x {image.PixelWidth}" : $"{image.PixelWidth} x {image.PixelHeight}";
            text.AppendLine(culture, $"  orientation {orientation} ({names[orientation]}: stored {stored}, shown upright)");
        }

        text.AppendLine(culture, $"  frames      {image.FrameCount}");
        text.AppendLine(culture, $"  alpha       {(image.HasAlpha ? "yes" : "no")}");
        if (!image.IsAnimated)
        {
            return text.ToString();
        }

        var loops = image.LoopCount == 0 ? "forever" : image.LoopCount == 1 ? "plays once" : $"{image.LoopCount} plays";
        text.AppendLine(culture, $"  loop count  {image.LoopCount} ({loops})");
        text.AppendLine(culture, $"  duration    {image.TotalDuration.TotalSeconds:0.###} s per play");
        text.AppendLine(culture, $"  durations   {FormatDurations(image)}");
        return text.ToString();
    }

    private static string FormatDurations(AnimatedImage image)
    {
        var encoded = image.FrameDurations;
        var effective = image.EffectiveFrameDurations;
        if (encoded.Distinct().Count() == 1)
        {
            return $"{Describe(encoded[0], effective[0])} x {encoded.Count} frames";
        }

        var parts = new List<string>();
        for (var i = 0; i < encoded.Count; i++)
        {
            if (encoded.Count > FramesShownInFull && i == FramesShownInFull - 2)
            {
                parts.Add($"… {encoded.Count - FramesShownInFull + 1} more …");
                i = encoded.Count - 2;
                continue;
            }

            parts.Add(Describe(encoded[i], effective[i]));
        }

        return string.Join(", ", parts);
    }

    private static string Describe(TimeSpan encoded, TimeSpan effective) =>
        encoded == effective
            ? string.Create(CultureInfo.InvariantCulture, $"{encoded.TotalMilliseconds:0.#} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{encoded.TotalMilliseconds:0.#} ms (plays {effective.TotalMilliseconds:0.#} ms)");
}
