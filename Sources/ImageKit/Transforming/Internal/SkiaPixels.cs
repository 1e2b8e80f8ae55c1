using System.Drawing;
using SkiaSharp;

namespace ImageKit.Transforming.Internal;

/// <summary>Skia views of the BGRA premultiplied spans transformers work on, without copying the pixels.</summary>
internal static unsafe class SkiaPixels
{
    /// <summary>Draws with <paramref name="draw"/> onto a canvas over <paramref name="output"/>, with the input as an image.</summary>
    public static void Draw<TState>(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize, TState state, Action<SKCanvas, SKImage, TState> draw)
    {
        CheckBuffers(input, inputSize, output, outputSize);
        fixed (byte* source = input)
        fixed (byte* target = output)
        {
            using var pixmap = new SKPixmap(Info(inputSize), (IntPtr)source, inputSize.Width * 4);
            using var image = SKImage.FromPixels(pixmap)
                ?? throw new InvalidOperationException($"Skia could not wrap a {inputSize.Width}x{inputSize.Height} image.");
            using var surface = SKSurface.Create(Info(outputSize), (IntPtr)target, outputSize.Width * 4)
                ?? throw new InvalidOperationException($"Skia could not draw into a {outputSize.Width}x{outputSize.Height} image.");
            draw(surface.Canvas, image, state);
            surface.Flush();
        }
    }

    /// <summary>Checks that the spans hold the sizes they claim: a transformer's public entry point writes through pointers.</summary>
    /// <exception cref="ArgumentException">A size is not positive, or a span is smaller than width × height × 4 bytes.</exception>
    public static void CheckBuffers(ReadOnlySpan<byte> input, Size inputSize, ReadOnlySpan<byte> output, Size outputSize)
    {
        Check(input.Length, inputSize, "input");
        Check(output.Length, outputSize, "output");

        static void Check(int length, Size size, string name)
        {
            if (size.Width <= 0 || size.Height <= 0 || (long)size.Width * size.Height * 4 > length)
            {
                throw new ArgumentException($"The {name} span ({length} bytes) does not hold {size.Width}x{size.Height} BGRA pixels.", name);
            }
        }
    }

    public static SKImageInfo Info(Size size) => new(size.Width, size.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
}
