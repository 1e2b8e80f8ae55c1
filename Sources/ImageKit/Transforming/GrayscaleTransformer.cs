using System.Drawing;
using ImageKit.Transforming.Internal;

namespace ImageKit.Transforming;

/// <summary>
/// Turns colours into grey by their luminance (the Rec. 709 weights 0.2126 R + 0.7152 G + 0.0722 B, applied to the stored
/// sRGB values), alpha unchanged.
/// Key: <c>grayscale</c>.
/// </summary>
public sealed class GrayscaleTransformer : ImageTransformer
{
    // The Rec. 709 weights in 256ths (54 + 183 + 19 = 256, so white stays white). Luminance is linear in the colour, so it
    // is taken straight from premultiplied values: no unpremultiplying, and alpha is untouched. Done here rather than
    // with Skia's colour-matrix filter, which converts every pixel to floats and back (16 ms against ~1 ms for a
    // 1024 x 768 frame; docs/benchmarks.md).
    private const int RedWeight = 54;
    private const int GreenWeight = 183;
    private const int BlueWeight = 19;

    /// <inheritdoc/>
    public override string Key => "grayscale";

    internal override bool WritesEveryPixel => true;

    internal override bool KeepsOpaque => true;

    /// <inheritdoc/>
    public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
    {
        SkiaPixels.CheckBuffers(input, inputSize, output, outputSize);
        if (inputSize != outputSize)
        {
            throw new ArgumentException($"The output is {outputSize.Width}x{outputSize.Height}; grayscale keeps the input's {inputSize.Width}x{inputSize.Height}.", nameof(outputSize));
        }

        var length = inputSize.Width * inputSize.Height * 4;
        for (var i = 0; i < length; i += 4)
        {
            var grey = (byte)(((BlueWeight * input[i]) + (GreenWeight * input[i + 1]) + (RedWeight * input[i + 2]) + 128) >> 8);
            output[i] = grey;
            output[i + 1] = grey;
            output[i + 2] = grey;
            output[i + 3] = input[i + 3];
        }
    }
}
