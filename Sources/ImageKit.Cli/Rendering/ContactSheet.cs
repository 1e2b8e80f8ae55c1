using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Cli.Rendering;

/// <summary>Collects the frames a player actually showed and writes them as one PNG grid, in the order shown.</summary>
internal sealed class ContactSheet : IDisposable
{
    /// <summary>More frames than this are not kept (the sheet says how many were left out).</summary>
    public const int MaxFrames = 400;

    private const int MaxCellSize = 160;
    private readonly List<ImageFrame> _frames = [];
    private readonly Lock _lock = new();

    public int Omitted { get; private set; }

    /// <summary>Keeps a lease on <paramref name="frame"/> (the pixels are shared, not copied).</summary>
    public void Add(ImageFrame frame)
    {
        lock (_lock)
        {
            if (_frames.Count < MaxFrames)
            {
                _frames.Add(frame.Share());
            }
            else
            {
                Omitted++;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _frames.Count;
            }
        }
    }

    public void Save(string path)
    {
        ImageFrame[] frames;
        lock (_lock)
        {
            frames = [.. _frames];
        }

        if (frames.Length == 0)
        {
            throw new CliException(path, "no frame was shown, so there is no contact sheet to write");
        }

        var scale = Math.Min(1.0, (double)MaxCellSize / Math.Max(frames[0].Width, frames[0].Height));
        var cellWidth = Math.Max(1, (int)(frames[0].Width * scale));
        var cellHeight = Math.Max(1, (int)(frames[0].Height * scale));
        var columns = (int)Math.Ceiling(Math.Sqrt(frames.Length));
        var rows = (frames.Length + columns - 1) / columns;
        const int gap = 2;

        using var sheet = new SKBitmap(new SKImageInfo((columns * (cellWidth + gap)) + gap, (rows * (cellHeight + gap)) + gap, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(sheet))
        using (var paint = new SKPaint())
        {
            canvas.Clear(new SKColor(48, 48, 48));
            // Each frame shrunk by ImageKit's resampler (a filter as wide as the reduction), not by Skia's linear sampling,
            // which reads four pixels per cell pixel and turns fine detail into moiré.
            using var cell = new SKBitmap(new SKImageInfo(cellWidth, cellHeight, SKColorType.Bgra8888, SKAlphaType.Premul));
            for (var i = 0; i < frames.Length; i++)
            {
                var frame = frames[i];
                Resampler.Resize(frame.Pixels, frame.Width, frame.Height, frame.RowBytes, cell.GetPixelSpan(), cellWidth, cellHeight, cell.RowBytes);
                var x = gap + ((i % columns) * (cellWidth + gap));
                var y = gap + ((i / columns) * (cellHeight + gap));
                using var image = SKImage.FromPixels(cell.PeekPixels());
                canvas.DrawImage(image, x, y, SKSamplingOptions.Default, paint);
            }
        }

        // Written beside the target and renamed over it: a failure half-way (a full disk) leaves a file the user already
        // had at that path as it was, and no torn PNG.
        EnsureWritable(path);
        var temporary = Path.Combine(Path.GetDirectoryName(path) ?? ".", $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            using (var png = sheet.Encode(SKEncodedImageFormat.Png, 100))
            {
                png.SaveTo(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException e)
        {
            DeleteQuietly(temporary);
            throw new CliException(path, $"cannot write the contact sheet: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            DeleteQuietly(temporary);
            throw new CliException(path, "cannot write the contact sheet: permission denied", e);
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write's own failure is the news; a leftover hidden temporary file is harmless.
        }
    }

    /// <summary>
    /// Refuses a path the sheet cannot be written to — a folder, or a file in a folder that does not exist — so that a
    /// command fails before it plays, not after.
    /// </summary>
    public static void EnsureWritable(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(path, "cannot write the contact sheet: it is a folder, not a file");
        }

        // The sheet is renamed over the path: a device (/dev/null) or a FIFO there would be replaced by a file.
        if (Output.FileKind.IsSpecial(path) == true)
        {
            throw new CliException(path, "cannot write the contact sheet: it is a device, FIFO or socket, not a file (leave out --contact-sheet to write none)");
        }

        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            throw new CliException(path, $"cannot write the contact sheet: the folder {folder} does not exist");
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var frame in _frames)
            {
                frame.Dispose();
            }

            _frames.Clear();
        }
    }
}
