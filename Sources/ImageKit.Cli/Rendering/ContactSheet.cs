using ImageKit.Decoding;
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
            for (var i = 0; i < frames.Length; i++)
            {
                using var image = ToSkImage(frames[i]);
                var x = gap + ((i % columns) * (cellWidth + gap));
                var y = gap + ((i / columns) * (cellHeight + gap));
                canvas.DrawImage(image, SKRect.Create(x, y, cellWidth, cellHeight), new SKSamplingOptions(SKFilterMode.Linear), paint);
            }
        }

        try
        {
            using var file = File.Create(path);
            using var png = sheet.Encode(SKEncodedImageFormat.Png, 100);
            png.SaveTo(file);
        }
        catch (IOException e)
        {
            throw new CliException(path, $"cannot write the contact sheet: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            // Opening a folder for writing fails the same way as a write-protected file.
            throw new CliException(path, Directory.Exists(path) ? "cannot write the contact sheet: it is a folder, not a file" : "cannot write the contact sheet: permission denied", e);
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

    private static unsafe SKImage ToSkImage(ImageFrame frame)
    {
        var info = new SKImageInfo(frame.Width, frame.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        fixed (byte* pixels = frame.Pixels)
        {
            using var pixmap = new SKPixmap(info, (IntPtr)pixels, frame.RowBytes);
            return SKImage.FromPixelCopy(pixmap);
        }
    }
}
