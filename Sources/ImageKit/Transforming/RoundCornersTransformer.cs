using System.Drawing;
using System.Globalization;
using ImageKit.Transforming.Internal;

namespace ImageKit.Transforming;

/// <summary>
/// Rounds the image's corners: what lies outside a rounded rectangle of the image's size becomes transparent, with
/// anti-aliased edges. A radius of half the shorter side or more makes the short sides semicircles. Key:
/// <c>round-corners(R)</c>.
/// </summary>
public sealed class RoundCornersTransformer : ImageTransformer
{
    /// <summary>Creates a transformer that rounds every corner with <paramref name="radius"/>.</summary>
    /// <param name="radius">The corner radius in pixels of the image it is applied to; positive and finite.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="radius"/> is not positive and finite.</exception>
    public RoundCornersTransformer(float radius)
    {
        if (!float.IsFinite(radius) || radius <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "The corner radius must be positive and finite.");
        }

        Radius = radius;
        Key = string.Create(CultureInfo.InvariantCulture, $"round-corners({radius:R})");
    }

    /// <summary>The corner radius in pixels.</summary>
    public float Radius { get; }

    /// <inheritdoc/>
    public override string Key { get; }

    internal override bool WritesEveryPixel => true;

    /// <inheritdoc/>
    public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
    {
        SkiaPixels.CheckBuffers(input, inputSize, output, outputSize);
        if (inputSize != outputSize)
        {
            throw new ArgumentException($"The output is {outputSize.Width}x{outputSize.Height}; rounding the corners keeps the input's {inputSize.Width}x{inputSize.Height}.", nameof(outputSize));
        }

        ShapeCoverage.Apply(input, inputSize.Width, 0, 0, output, outputSize.Width, outputSize.Height, Radius);
    }
}
