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
internal sealed class ScaledImageSource : WrappingImageSource
{
    private ScaledImageSource(AnimatedImage inner, int width, int height)
        : base(inner)
    {
        PixelWidth = width;
        PixelHeight = height;
    }

    public override int PixelWidth { get; }

    public override int PixelHeight { get; }

    /// <summary>Wraps <paramref name="inner"/>, taking ownership: it is disposed with the source.</summary>
    public static ScaledImageSource Create(AnimatedImage inner, int width, int height) => new(inner, width, height);

    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        // A still the decoder can decode smaller is never decoded at full size: straight into the canvas when the decoder
        // hits the size exactly, else at the nearest size above it and shrunk from there.
        if (!Inner.IsAnimated && Inner.Source.ReducedDecodeSize(PixelWidth, PixelHeight) is { } reduced)
        {
            if (reduced == (PixelWidth, PixelHeight))
            {
                Inner.Source.RenderReducedCleared(PixelWidth, PixelHeight, canvas, rowBytes);
                return;
            }

            var buffer = Inner.Source.RenderReducedToBuffer(reduced.Width, reduced.Height);
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
            using var frame = Inner.GetFrame(index);
            Scale(frame.Pixels, frame.Width, frame.Height, frame.RowBytes, canvas, rowBytes);
        }
        finally
        {
            Inner.LetGoAfterWrappedRender(index); // this image keeps the scaled frame
        }
    }

    private void Scale(ReadOnlySpan<byte> pixels, int width, int height, int sourceRowBytes, Span<byte> canvas, int rowBytes) =>
        Resampler.Resize(pixels, width, height, sourceRowBytes, canvas, PixelWidth, PixelHeight, rowBytes);

}
