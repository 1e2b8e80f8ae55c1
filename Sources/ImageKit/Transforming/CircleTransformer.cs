using System.Drawing;
using ImageKit.Transforming.Internal;
using SkiaSharp;

namespace ImageKit.Transforming;

/// <summary>
/// Crops to the centred square of the image's shorter side and keeps the circle inside it (the usual avatar); outside the
/// circle is transparent, with an anti-aliased edge. Key: <c>circle</c>.
/// </summary>
public sealed class CircleTransformer : ImageTransformer
{
    /// <inheritdoc/>
    public override string Key => "circle";

    /// <inheritdoc/>
    public override Size GetOutputSize(Size inputSize)
    {
        var side = Math.Min(inputSize.Width, inputSize.Height);
        return new Size(side, side);
    }

    /// <inheritdoc/>
    public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
    {
        var side = GetOutputSize(inputSize);
        if (side != outputSize)
        {
            throw new ArgumentException($"The output is {outputSize.Width}x{outputSize.Height}, not the {side.Width}x{side.Height} square of a {inputSize.Width}x{inputSize.Height} image.", nameof(outputSize));
        }

        var from = SKRect.Create((inputSize.Width - side.Width) / 2, (inputSize.Height - side.Height) / 2, side.Width, side.Height);
        SkiaPixels.Draw(input, inputSize, output, outputSize, from, static (canvas, image, from) =>
        {
            var bounds = SKRect.Create(from.Width, from.Height);
            using var circle = new SKRoundRect(bounds, bounds.Width / 2, bounds.Height / 2);
            canvas.ClipRoundRect(circle, SKClipOperation.Intersect, antialias: true);
            canvas.DrawImage(image, from, bounds, SKSamplingOptions.Default);
        });
    }
}
