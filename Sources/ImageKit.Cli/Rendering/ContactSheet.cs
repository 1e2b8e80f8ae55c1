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
    private const int Gap = 2;

    // Frames as shown (a lease each) until Compact shrinks them to cells: a sheet of 400 frames of a large canvas held at
    // full size would take gigabytes, where its cells take at most 160 x 160 pixels each.
    private readonly List<ImageFrame> _pending = [];
    private readonly List<byte[]> _cells = [];
    private readonly Lock _lock = new();
    private readonly Lock _compacting = new(); // one compaction at a time, so the cells stay in the order shown
    private int _cellWidth;
    private int _cellHeight;

    public int Omitted { get; private set; }

    /// <summary>Keeps a lease on <paramref name="frame"/> (the pixels are shared, not copied) until <see cref="Compact"/>.</summary>
    public void Add(ImageFrame frame)
    {
        lock (_lock)
        {
            if (_pending.Count + _cells.Count < MaxFrames)
            {
                _pending.Add(frame.Share());
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
                return _pending.Count + _cells.Count;
            }
        }
    }

    /// <summary>
    /// Shrinks the frames added since the last call to the sheet's cells and gives up their leases. Slow for a large
    /// canvas, so not done in <see cref="Add"/> (on the display link's thread) but by whoever waits for the frames.
    /// </summary>
    public void Compact()
    {
        lock (_compacting)
        {
            ImageFrame[] pending;
            lock (_lock)
            {
                pending = [.. _pending];
                _pending.Clear();
            }

            foreach (var frame in pending)
            {
                using (frame)
                {
                    if (_cellWidth == 0)
                    {
                        // Every frame is the full canvas: the first one sets the cell for all.
                        var scale = Math.Min(1.0, (double)MaxCellSize / Math.Max(frame.Width, frame.Height));
                        _cellWidth = Math.Max(1, (int)(frame.Width * scale));
                        _cellHeight = Math.Max(1, (int)(frame.Height * scale));
                    }

                    // Each frame shrunk by ImageKit's resampler (a filter as wide as the reduction), not by Skia's linear
                    // sampling, which reads four pixels per cell pixel and turns fine detail into moiré.
                    var cell = new byte[_cellWidth * _cellHeight * 4];
                    Resampler.Resize(frame.Pixels, frame.Width, frame.Height, frame.RowBytes, cell, _cellWidth, _cellHeight, _cellWidth * 4);
                    lock (_lock)
                    {
                        _cells.Add(cell);
                    }
                }
            }
        }
    }

    public void Save(string path)
    {
        Compact();
        byte[][] cells;
        lock (_lock)
        {
            cells = [.. _cells];
        }

        if (cells.Length == 0)
        {
            throw new CliException(path, "no frame was shown, so there is no contact sheet to write");
        }

        var columns = (int)Math.Ceiling(Math.Sqrt(cells.Length));
        var rows = (cells.Length + columns - 1) / columns;
        using var sheet = new SKBitmap(new SKImageInfo((columns * (_cellWidth + Gap)) + Gap, (rows * (_cellHeight + Gap)) + Gap, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(sheet))
        using (var paint = new SKPaint())
        {
            canvas.Clear(new SKColor(48, 48, 48));
            using var cell = new SKBitmap(new SKImageInfo(_cellWidth, _cellHeight, SKColorType.Bgra8888, SKAlphaType.Premul));
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i].CopyTo(cell.GetPixelSpan());
                var x = Gap + ((i % columns) * (_cellWidth + Gap));
                var y = Gap + ((i / columns) * (_cellHeight + Gap));
                using var image = SKImage.FromPixels(cell.PeekPixels());
                canvas.DrawImage(image, x, y, SKSamplingOptions.Default, paint);
            }
        }

        // Written beside the target and renamed over it: a failure half-way (a full disk) leaves a file the user already
        // had at that path as it was, and no torn PNG. Through a symbolic link, the target is the file it leads to: the
        // rename would otherwise replace the link itself.
        EnsureWritable(path);
        var target = WriteTarget(path);
        var temporary = Path.Combine(Path.GetDirectoryName(target) ?? ".", TemporaryName(Path.GetFileName(target)));
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            using (var png = sheet.Encode(SKEncodedImageFormat.Png, 100))
            {
                png.SaveTo(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch (IOException e) when (ImageKit.Internal.FolderCreation.NewFileRefused(temporary, e) is { } refused)
        {
            // Not .NET's "Could not find file" of the temporary file, which the user never gave.
            DeleteQuietly(temporary);
            throw new CliException(path, $"cannot write the contact sheet: {refused}", e);
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

    // ".<name>.<32 hex digits>.tmp", with the name cut short where that would pass the 255 bytes (UTF-8) a file name may
    // have on common file systems: a sheet whose own name fits can always be written.
    private static string TemporaryName(string name)
    {
        const int MaxNameBytes = 255;
        var suffix = $".{Guid.NewGuid():N}.tmp";
        var room = MaxNameBytes - 1 - suffix.Length;
        var kept = name;
        while (System.Text.Encoding.UTF8.GetByteCount(kept) > room)
        {
            kept = kept[..^(char.IsLowSurrogate(kept[^1]) && kept.Length > 1 ? 2 : 1)];
        }

        return $".{kept}{suffix}";
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

        var target = WriteTarget(path);
        var folder = Path.GetDirectoryName(target);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            throw new CliException(
                path,
                ImageKit.Internal.FolderCreation.FileInTheWay(folder) is { } file
                    ? $"cannot write the contact sheet: {file}"
                    : target == Path.GetFullPath(path)
                    ? $"cannot write the contact sheet: the folder {folder} does not exist"
                    : $"cannot write the contact sheet: it is a symbolic link to {target}, whose folder {folder} does not exist");
        }
    }

    /// <summary>
    /// The file the sheet is written to for <paramref name="path"/>: the path itself, or for a symbolic link the file the
    /// link finally leads to, as shell redirection and other image tools write through a link. A link to a file that
    /// does not exist yet leads there too (the file is made, in the folder it names). The link itself is kept.
    /// </summary>
    /// <exception cref="CliException">The path is a symbolic link that cannot be followed (a loop).</exception>
    internal static string WriteTarget(string path)
    {
        var full = Path.GetFullPath(path);
        var entry = new FileInfo(full);
        if (entry.LinkTarget is null)
        {
            return full;
        }

        try
        {
            return entry.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(path, $"cannot write the contact sheet: it is a symbolic link that cannot be followed ({e.Message.TrimEnd('.')})");
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var frame in _pending)
            {
                frame.Dispose();
            }

            _pending.Clear();
            _cells.Clear();
        }
    }
}
