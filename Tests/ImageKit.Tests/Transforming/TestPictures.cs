using ImageKit.Decoding;
using SkiaSharp;

namespace ImageKit.Tests.Transforming;

/// <summary>Small synthetic pictures, encoded as PNG, whose transformed pixels are known exactly.</summary>
internal static class TestPictures
{
    /// <summary>An opaque <paramref name="width"/> x <paramref name="height"/> PNG: left half red, right half blue.</summary>
    public static byte[] RedBlue(int width = 40, int height = 20) => Png(width, height, (x, _) => x < width / 2 ? SKColors.Red : SKColors.Blue, opaque: true);

    /// <summary>An opaque PNG of one-pixel black and white columns: the worst case for resampling.</summary>
    public static byte[] Stripes(int width, int height) => Png(width, height, (x, _) => x % 2 == 0 ? SKColors.White : SKColors.Black, opaque: true);

    /// <summary>A PNG of the given colours; <paramref name="opaque"/> encodes it without an alpha channel.</summary>
    public static byte[] Png(int width, int height, Func<int, int, SKColor> color, bool opaque = false)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Premul));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, color(x, y));
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The pixel at (<paramref name="x"/>, <paramref name="y"/>) of a frame as (B, G, R, A), premultiplied.</summary>
    public static (byte B, byte G, byte R, byte A) Pixel(ImageFrame frame, int x, int y)
    {
        var i = (y * frame.RowBytes) + (x * 4);
        var p = frame.Pixels;
        return (p[i], p[i + 1], p[i + 2], p[i + 3]);
    }

    /// <summary>The mean and standard deviation of the red channel over a whole frame.</summary>
    public static (double Mean, double Deviation) RedStatistics(ImageFrame frame)
    {
        double sum = 0, squares = 0;
        var count = frame.Width * frame.Height;
        for (var y = 0; y < frame.Height; y++)
        {
            for (var x = 0; x < frame.Width; x++)
            {
                double red = Pixel(frame, x, y).R;
                sum += red;
                squares += red * red;
            }
        }

        var mean = sum / count;
        return (mean, Math.Sqrt(Math.Max(0, (squares / count) - (mean * mean))));
    }
}
