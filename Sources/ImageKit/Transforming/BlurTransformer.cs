using System.Drawing;
using System.Globalization;
using ImageKit.Transforming.Internal;
using SkiaSharp;

namespace ImageKit.Transforming;

/// <summary>
/// Gaussian blur; the edges are blurred with the edge pixels repeated outwards, so an opaque image stays opaque to its
/// border. Key: <c>blur(S)</c>.
/// </summary>
public sealed class BlurTransformer : ImageTransformer
{
    // What is handed to Skia at most. Skia blurs with no more than a sigma of 532 whatever it is asked (the results for 532
    // and 1e38 are the same pixels), but from about float.MaxValue / 3 its bounds (three sigmas) overflow and it draws
    // nothing: an opaque picture came out fully transparent. Any sigma from this one up makes Skia's widest blur.
    private const float SkiaSigmaCap = 1000f;

    /// <summary>Creates a transformer that blurs with standard deviation <paramref name="sigma"/>.</summary>
    /// <param name="sigma">The Gaussian's standard deviation in pixels; positive and finite (the blur reaches about 3 × sigma).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sigma"/> is not positive and finite.</exception>
    public BlurTransformer(float sigma)
    {
        if (!float.IsFinite(sigma) || sigma <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The blur sigma must be positive and finite.");
        }

        Sigma = sigma;
        Key = string.Create(CultureInfo.InvariantCulture, $"blur({sigma:R})");
    }

    /// <summary>The Gaussian's standard deviation in pixels.</summary>
    public float Sigma { get; }

    /// <inheritdoc/>
    public override string Key { get; }

    internal override bool KeepsOpaque => true;

    /// <inheritdoc/>
    public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize) =>
        SkiaPixels.Draw(input, inputSize, output, outputSize, Math.Min(Sigma, SkiaSigmaCap), static (canvas, image, sigma) =>
        {
            using var blur = SKImageFilter.CreateBlur(sigma, sigma, SKShaderTileMode.Clamp, input: null);
            using var paint = new SKPaint { ImageFilter = blur, BlendMode = SKBlendMode.Src };
            canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default, paint);
        });
}
