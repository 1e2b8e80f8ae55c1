namespace ImageKit.Decoding.Internal;

/// <summary>
/// An image scaled down to fit a pixel limit or a thumbnail box (<see cref="ImageDecodeOptions.MaxPixelCount"/>, <see
/// cref="ImageDecodeOptions.ThumbnailPixelSize"/>): each frame is composited at full size by the wrapped image and
/// resampled into the smaller canvas (<see cref="Resampler"/>), so every frame is independent here; a still whose decoder can decode smaller is
/// decoded at about the target size instead.
/// </summary>
/// <remarks>
/// Owns the wrapped image. A still drops its full-size frame right after scaling, so only the scaled pixels stay in
/// memory; an animation lets the wrapped image keep the few full-size frames that later frames are drawn onto (none when
/// every frame stands alone), for cheap in-order playback.
/// </remarks>
internal sealed class ScaledImageSource : AnimatedImageSource
{
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

    /// <summary>Wraps <paramref name="inner"/> (taking ownership: it is disposed with the source, or now if this throws).</summary>
    public static ScaledImageSource Create(AnimatedImage inner, int width, int height) => new(inner, width, height);

    public override TimeSpan GetFrameDuration(int index) => _inner.FrameDuration(index);

    public override int GetRequiredFrame(int index) => -1;

    internal override int AppliedExifOrientation => _inner.AppliedExifOrientation;

    // An animation's wrapped image keeps the few full-size composited frames that later frames are drawn onto, and its
    // decoder, between calls: memory this image holds, which its MemoryCost must count (the encoded bytes are shared and
    // counted once, by this image). A still's wrapped image drops its frame after each scaling.
    internal override long DecoderStateBytes => _inner.IsAnimated
        ? _inner.WrappedStateBytes
        : _inner.Source.DecoderStateBytes;

    // Resampling writes the whole target.
    internal override bool WritesEveryPixel(int index) => true;

    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        // A still the decoder can decode smaller is never decoded at full size: straight into the canvas when the decoder
        // hits the size exactly, else at the nearest size above it and shrunk from there. (Only this source calls into the
        // inner image's source, always under the outer image's lock.)
        if (!_inner.IsAnimated && _inner.Source.ReducedDecodeSize(PixelWidth, PixelHeight) is { } reduced)
        {
            if (reduced == (PixelWidth, PixelHeight))
            {
                _inner.Source.RenderReducedCleared(PixelWidth, PixelHeight, canvas, rowBytes);
                return;
            }

            var buffer = _inner.Source.RenderReducedToBuffer(reduced.Width, reduced.Height);
            try
            {
                Scale(buffer.Span, reduced.Width, reduced.Height, reduced.Width * 4, canvas, rowBytes);
            }
            finally
            {
                buffer.Release();
            }

            return;
        }

        try
        {
            using var frame = _inner.GetFrame(index);
            Scale(frame.Pixels, frame.Width, frame.Height, frame.RowBytes, canvas, rowBytes);
        }
        finally
        {
            _inner.LetGoAfterWrappedRender(index); // this image keeps the scaled frame
        }
    }

    private void Scale(ReadOnlySpan<byte> pixels, int width, int height, int sourceRowBytes, Span<byte> canvas, int rowBytes) =>
        Resampler.Resize(pixels, width, height, sourceRowBytes, canvas, PixelWidth, PixelHeight, rowBytes);

    // The full-size frames the wrapped image keeps to draw later frames onto: counted by this image's MemoryCost, dropped
    // with its own composited frames.
    internal override void TrimWrappedCache() => _inner.TrimCache();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
