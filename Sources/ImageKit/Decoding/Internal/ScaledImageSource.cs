using SkiaSharp;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// An image scaled down to fit a pixel limit (<see cref="ImageDecodeOptions.MaxPixelCount"/>): each frame is composited at
/// full size by the wrapped image and resampled into the smaller canvas, so every frame is independent here.
/// </summary>
/// <remarks>
/// Owns the wrapped image. A still drops its full-size frame right after scaling, so only the scaled pixels stay in
/// memory; an animation lets the wrapped image keep its few composited frames for cheap in-order playback.
/// </remarks>
internal sealed class ScaledImageSource : AnimatedImageSource
{
    private static readonly SKSamplingOptions s_sampling = new(SKCubicResampler.Mitchell);
    private readonly AnimatedImage _inner;

    private ScaledImageSource(AnimatedImage inner, int width, int height)
    {
        _inner = inner;
        PixelWidth = width;
        PixelHeight = height;
    }

    public override ImageFormat Format => _inner.Format;

    public override int PixelWidth { get; }

    public override int PixelHeight { get; }

    public override int FrameCount => _inner.FrameCount;

    public override int LoopCount => _inner.LoopCount;

    public override bool HasAlpha => _inner.HasAlpha;

    /// <summary>The size that fits <paramref name="maxPixels"/> with the aspect ratio kept, or null when the image already fits.</summary>
    public static (int Width, int Height)? FitSize(int width, int height, long maxPixels)
    {
        var pixels = (long)width * height;
        if (maxPixels <= 0 || pixels <= maxPixels)
        {
            return null;
        }

        var scale = Math.Sqrt((double)maxPixels / pixels);
        var w = Math.Max(1, (int)Math.Floor(width * scale));
        var h = Math.Max(1, (int)Math.Floor(height * scale));
        return (w, h);
    }

    /// <summary>Wraps <paramref name="inner"/> (taking ownership: it is disposed with the source, or now if this throws).</summary>
    public static ScaledImageSource Create(AnimatedImage inner, int width, int height) => new(inner, width, height);

    public override TimeSpan GetFrameDuration(int index) => _inner.FrameDurations[index];

    public override int GetRequiredFrame(int index) => -1;

    // Resampling writes the whole target.
    internal override bool WritesEveryPixel(int index) => true;

    public override unsafe void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        using (var frame = _inner.GetFrame(index))
        {
            var sourceInfo = new SKImageInfo(frame.Width, frame.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
            var targetInfo = new SKImageInfo(PixelWidth, PixelHeight, SKColorType.Bgra8888, SKAlphaType.Premul);
            fixed (byte* source = frame.Pixels)
            fixed (byte* target = canvas)
            {
                using var from = new SKPixmap(sourceInfo, (IntPtr)source, frame.RowBytes);
                using var to = new SKPixmap(targetInfo, (IntPtr)target, rowBytes);
                if (!from.ScalePixels(to, s_sampling))
                {
                    throw new ImageDecodingException($"Skia could not scale frame {index} to {PixelWidth}x{PixelHeight}") { FrameIndex = index };
                }
            }
        }

        if (!_inner.IsAnimated)
        {
            _inner.TrimCache();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
