using SkiaSharp;

namespace ImageKit.Benchmarks;

/// <summary>
/// A photo-sized still drawn at start-up: a gradient under 400 circles of random colours, and optionally ±6 levels of
/// sensor-like noise per channel so that no codec finds it trivially compressible. The same seed gives the same picture.
/// </summary>
internal static class SyntheticPhoto
{
    public static byte[] Encode(int width, int height, SKEncodedImageFormat format, int quality, bool noise)
    {
        var random = new Random(20261202);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            using var gradient = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height), [SKColors.SteelBlue, SKColors.Wheat, SKColors.SaddleBrown], SKShaderTileMode.Clamp);
            using var background = new SKPaint { Shader = gradient };
            canvas.DrawRect(0, 0, width, height, background);
            using var shape = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 400; i++)
            {
                shape.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(64, 256));
                canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(5, 120), shape);
            }
        }

        if (noise)
        {
            var pixels = bitmap.GetPixelSpan();
            for (var i = 0; i < pixels.Length; i += 4)
            {
                for (var c = 0; c < 3; c++)
                {
                    pixels[i + c] = (byte)Math.Clamp(pixels[i + c] + random.Next(-6, 7), 0, 255);
                }
            }
        }

        using var encoded = bitmap.Encode(format, quality);
        return encoded.ToArray();
    }
}
