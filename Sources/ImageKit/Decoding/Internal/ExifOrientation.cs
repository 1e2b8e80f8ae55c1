using SkiaSharp;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Turns a decoded still upright by its EXIF orientation (<see cref="SKEncodedOrigin"/>: where the stored image's first
/// row and column belong when shown). Written here because SkiaSharp exposes the orientation but not Skia's code that
/// applies it; a drawing through a rotated canvas would do, but resamples where this only moves pixels.
/// </summary>
internal static class ExifOrientation
{
    /// <summary>Whether <paramref name="origin"/> swaps width and height (the four orientations with a quarter turn or a transpose).</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) => origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Whether <paramref name="policy"/> has the orientation of a <paramref name="format"/> still applied.</summary>
    public static bool Applies(ExifOrientationPolicy policy, ImageFormat format) => policy switch
    {
        ExifOrientationPolicy.Browser => format == ImageFormat.Jpeg,
        ExifOrientationPolicy.AllFormats => format is ImageFormat.Jpeg or ImageFormat.WebP or ImageFormat.Png,
        _ => false,
    };

    /// <summary>
    /// Copies the <paramref name="width"/> x <paramref name="height"/> 32-bit pixels of <paramref name="source"/>, as stored,
    /// into <paramref name="target"/> upright (its size swapped when <see cref="SwapsAxes"/>). Every target pixel is written.
    /// </summary>
    public static void Apply(ReadOnlySpan<byte> source, int width, int height, int sourceRowBytes, Span<byte> target, int targetRowBytes, SKEncodedOrigin origin)
    {
        var from = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(source);
        var to = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(target);
        var row = sourceRowBytes / 4;
        var (targetWidth, targetHeight) = SwapsAxes(origin) ? (height, width) : (width, height);

        // The source pixel shown at (x, y) is start + x * stepX + y * stepY (in pixels). For orientation 6 (stored turned
        // a quarter to the left; shown turned back to the right), upright (x, y) comes from stored (y, height - 1 - x).
        var (start, stepX, stepY) = origin switch
        {
            SKEncodedOrigin.TopRight => (width - 1, -1, row),
            SKEncodedOrigin.BottomRight => (((height - 1) * row) + width - 1, -1, -row),
            SKEncodedOrigin.BottomLeft => ((height - 1) * row, 1, -row),
            SKEncodedOrigin.LeftTop => (0, row, 1),
            SKEncodedOrigin.RightTop => ((height - 1) * row, -row, 1),
            SKEncodedOrigin.RightBottom => (((height - 1) * row) + width - 1, -row, -1),
            SKEncodedOrigin.LeftBottom => (width - 1, row, -1),
            _ => (0, 1, row),
        };

        for (var y = 0; y < targetHeight; y++)
        {
            var line = to.Slice(y * (targetRowBytes / 4), targetWidth);
            var index = start + (y * stepY);
            for (var x = 0; x < line.Length; x++, index += stepX)
            {
                line[x] = from[index];
            }
        }
    }
}
