namespace ImageKit.Decoding.Internal;

/// <summary>
/// A still that is only its decoded pixels: no decoder, no encoded bytes. What a scaled-down, thumbnail or transformed
/// still becomes before it enters the memory cache (<see cref="StillVariant"/>), so that a 256-pixel thumbnail of a
/// 3 MB photo costs the cache its 175 KB of pixels, not the photo's bytes as well.
/// </summary>
/// <remarks>Owns one reference on the pixels, released with the source.</remarks>
internal sealed class RetainedPixelsSource : StillImageSource
{
    private PixelBuffer? _pixels;

    /// <summary>Keeps <paramref name="pixels"/>, taking over the caller's reference on them.</summary>
    public RetainedPixelsSource(PixelBuffer pixels, ImageFormat format, int width, int height, bool hasAlpha, int appliedExifOrientation)
        : base(format, width, height, hasAlpha, appliedExifOrientation) => _pixels = pixels;

    internal override PixelBuffer? StoredFrame(int index) => _pixels;

    internal override bool WritesEveryPixel(int index) => true;

    // Only reached if the image ever composites instead of handing out the stored pixels: a copy of them.
    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        var pixels = _pixels ?? throw new ObjectDisposedException(nameof(RetainedPixelsSource));
        for (var y = 0; y < PixelHeight; y++)
        {
            pixels.Span.Slice(y * PixelWidth * 4, PixelWidth * 4).CopyTo(canvas.Slice(y * rowBytes, PixelWidth * 4));
        }
    }

    protected override void Dispose(bool disposing)
    {
        Interlocked.Exchange(ref _pixels, null)?.Release();
        base.Dispose(disposing);
    }
}
