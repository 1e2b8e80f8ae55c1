using System.Drawing;
using ImageKit.Transforming.Internal;
using SkiaSharp;

namespace ImageKit.Transforming;

/// <summary>
/// Turns colours into grey by their luminance (the Rec. 709 weights 0.2126 R + 0.7152 G + 0.0722 B), alpha unchanged.
/// Key: <c>grayscale</c>.
/// </summary>
public sealed class GrayscaleTransformer : ImageTransformer
{
    private static readonly float[] s_luminance =
    [
        0.2126f, 0.7152f, 0.0722f, 0, 0,
        0.2126f, 0.7152f, 0.0722f, 0, 0,
        0.2126f, 0.7152f, 0.0722f, 0, 0,
        0, 0, 0, 1, 0,
    ];

    /// <inheritdoc/>
    public override string Key => "grayscale";

    internal override bool WritesEveryPixel => true;

    internal override bool KeepsOpaque => true;

    /// <inheritdoc/>
    public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
    {
        if (inputSize != outputSize)
        {
            throw new ArgumentException($"The output is {outputSize.Width}x{outputSize.Height}; grayscale keeps the input's {inputSize.Width}x{inputSize.Height}.", nameof(outputSize));
        }

        SkiaPixels.Draw(input, inputSize, output, outputSize, 0, static (canvas, image, _) =>
        {
            using var filter = SKColorFilter.CreateColorMatrix(s_luminance);
            using var paint = new SKPaint { ColorFilter = filter, BlendMode = SKBlendMode.Src };
            canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default, paint);
        });
    }
}
