namespace ImageKit.Decoding;

/// <summary>
/// What a decoder makes of encoded data: the container's metadata and a way to draw one frame onto the canvas. An
/// <see cref="AnimatedImage"/> owns its source and adds everything else (limits, lazy decoding, reuse of composited frames,
/// thread safety), so a custom decoder implements only this.
/// </summary>
/// <remarks>
/// <see cref="AnimatedImage"/> calls every member under its own lock, one call at a time, so implementations need not be
/// thread-safe. Disposing releases every native object the source created; it is called exactly once by the owning image.
/// </remarks>
public abstract class AnimatedImageSource : IDisposable
{
    /// <summary>The encoded format.</summary>
    public abstract ImageFormat Format { get; }

    /// <summary>The canvas width in pixels.</summary>
    public abstract int PixelWidth { get; }

    /// <summary>The canvas height in pixels.</summary>
    public abstract int PixelHeight { get; }

    /// <summary>The number of frames (1 for stills).</summary>
    public abstract int FrameCount { get; }

    /// <summary>Plays in total: 0 = forever, N = N plays. Stills report 1.</summary>
    public abstract int LoopCount { get; }

    /// <summary>Whether the encoding carries transparency (not whether any pixel is actually transparent).</summary>
    public abstract bool HasAlpha { get; }

    /// <summary>
    /// The encoded duration of frame <paramref name="index"/>, as the file stores it (also for a one-frame animation
    /// format); zero when the format stores none.
    /// </summary>
    public abstract TimeSpan GetFrameDuration(int index);

    /// <summary>
    /// The frame whose composited canvas frame <paramref name="index"/> is drawn onto, or -1 when it is drawn onto a
    /// transparent canvas. It is always less than <paramref name="index"/>.
    /// </summary>
    public abstract int GetRequiredFrame(int index);

    /// <summary>
    /// Draws frame <paramref name="index"/>: first applies the disposal of <paramref name="requiredFrame"/> to
    /// <paramref name="canvas"/>, which holds that frame fully composited (or is transparent when it is -1), then blends
    /// frame <paramref name="index"/> on top.
    /// </summary>
    /// <param name="index">The frame to draw.</param>
    /// <param name="requiredFrame">What <see cref="GetRequiredFrame"/> returned for <paramref name="index"/>.</param>
    /// <param name="canvas">BGRA premultiplied pixels, <see cref="PixelWidth"/> × <see cref="PixelHeight"/>, at a fixed address for the call.</param>
    /// <param name="rowBytes">The bytes from one row of <paramref name="canvas"/> to the next.</param>
    /// <exception cref="ImageDecodingException">The frame's data is corrupt or truncated.</exception>
    public abstract void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes);

    /// <summary>
    /// Whether drawing frame <paramref name="index"/> onto a transparent canvas (required frame -1) writes every pixel,
    /// so that the canvas need not be cleared first. Clearing costs as much as a fast decoder's whole pass over a large
    /// still; sources that cannot promise it keep the default.
    /// </summary>
    internal virtual bool WritesEveryPixel(int index) => false;

    /// <summary>
    /// For a still whose decoder can decode straight to a reduced size (JPEG in eighths, WebP to any size): the smallest
    /// such size that is at least <paramref name="width"/> x <paramref name="height"/>, so that what is left to do is
    /// shrink it; <see langword="null"/> when the decoder cannot, or only at full size.
    /// </summary>
    internal virtual (int Width, int Height)? ReducedDecodeSize(int width, int height) => null;

    /// <summary>
    /// Pixels this source already holds for frame <paramref name="index"/>, fully composited, which the image hands out
    /// (with a new reference each time) instead of rendering; <see langword="null"/> when the frame must be rendered.
    /// </summary>
    internal virtual Internal.PixelBuffer? StoredFrame(int index) => null;

    /// <summary>The EXIF orientation (2–8) this source turns its still upright by, or 1 when it shows it as stored.</summary>
    internal virtual int AppliedExifOrientation => 1;

    /// <summary>
    /// Whether the data holds animation frames after the first that a <see cref="ImageDecodeOptions.FirstFrameOnly"/>
    /// decode left out: the image is then a variant of the animation, kept by caches as its pixels alone
    /// (<see cref="Internal.StillVariant"/>).
    /// </summary>
    internal virtual bool LeftOutFrames => false;

    /// <summary>
    /// About how much memory, native and managed, the source keeps between calls besides the encoded bytes: an
    /// animation's open codec and its frame table, which grow with the frame count. For
    /// <see cref="AnimatedImage.MemoryCost"/>; 0 when it keeps nothing of size (a still).
    /// </summary>
    internal virtual long DecoderStateBytes => 0;

    /// <summary>Decodes the still at a size <see cref="ReducedDecodeSize"/> returned, into a canvas of that size.</summary>
    /// <exception cref="ImageDecodingException">The data is corrupt or truncated.</exception>
    internal virtual void RenderReduced(int width, int height, Span<byte> canvas, int rowBytes) =>
        throw new NotSupportedException("This source has no reduced-size decoding.");

    /// <summary>
    /// <see cref="RenderReduced"/> onto a canvas that need not be clear: cleared first unless the source writes every pixel.
    /// </summary>
    internal void RenderReducedCleared(int width, int height, Span<byte> canvas, int rowBytes)
    {
        if (!WritesEveryPixel(0))
        {
            canvas.Clear();
        }

        RenderReduced(width, height, canvas, rowBytes);
    }

    /// <summary>
    /// Decodes the still at a size <see cref="ReducedDecodeSize"/> returned into a new pooled buffer (rows tightly packed),
    /// whose one reference the caller owns; released here if decoding fails.
    /// </summary>
    internal Internal.PixelBuffer RenderReducedToBuffer(int width, int height)
    {
        var buffer = Internal.PixelBufferPool.Shared.Rent(checked(width * height * 4));
        try
        {
            RenderReducedCleared(width, height, buffer.Span, width * 4);
            return buffer;
        }
        catch
        {
            buffer.Release();
            throw;
        }
    }

    /// <summary>
    /// Drops the composited frames an image this source wraps keeps (a scale-down's or transform's full-size frames), for
    /// <see cref="AnimatedImage.TrimCache"/>. Called under the wrapping image's lock; nothing to do for a decoder.
    /// </summary>
    internal virtual void TrimWrappedCache()
    {
    }

    /// <summary>Releases the native objects this source owns.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the native objects this source owns.</summary>
    /// <param name="disposing"><see langword="true"/> from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
