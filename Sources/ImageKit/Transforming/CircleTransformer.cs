using System.Drawing;
using ImageKit.Transforming.Internal;

namespace ImageKit.Transforming;

/// <summary>
/// Crops to the centred square of the image's shorter side and keeps the circle inside it (the usual avatar); outside the
/// circle is transparent, with an anti-aliased edge. Key: <c>circle</c>.
/// </summary>
public sealed class CircleTransformer : ImageTransformer
{
    /// <inheritdoc/>
    public override string Key => "circle";

    internal override bool WritesEveryPixel => true;

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

        SkiaPixels.CheckBuffers(input, inputSize, output, outputSize);
        ShapeCoverage.Apply(input, inputSize.Width, (inputSize.Width - side.Width) / 2, (inputSize.Height - side.Height) / 2, output, side.Width, side.Height, side.Width / 2.0);
    }
}
