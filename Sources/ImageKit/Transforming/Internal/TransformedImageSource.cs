using System.Drawing;
using ImageKit.Decoding;

namespace ImageKit.Transforming.Internal;

/// <summary>
/// An image run through <see cref="ImageDecodeOptions.Transformers"/>: each frame is composited by the wrapped image and
/// transformed into this image's canvas, so every frame is independent here.
/// </summary>
/// <remarks>
/// Owns the wrapped image. A still drops its untransformed frame right after use, so only the transformed pixels stay in
/// memory; an animation lets the wrapped image keep its few composited frames for cheap in-order playback.
/// </remarks>
internal sealed class TransformedImageSource : AnimatedImageSource
{
    private readonly AnimatedImage _inner;
    private readonly TransformChain _chain;

    private TransformedImageSource(AnimatedImage inner, TransformChain chain)
    {
        _inner = inner;
        _chain = chain;
    }

    public override ImageFormat Format => _inner.Format;

    public override int PixelWidth => _chain.OutputSize.Width;

    public override int PixelHeight => _chain.OutputSize.Height;

    public override int FrameCount => _inner.FrameCount;

    public override int LoopCount => _inner.LoopCount;

    public override bool HasAlpha => _inner.HasAlpha || !_chain.KeepsOpaque;

    internal override int AppliedExifOrientation => _inner.AppliedExifOrientation;

    // An animation's wrapped image keeps the few composited frames (before transforming) that later frames are drawn
    // onto, and its decoder, between calls: memory this image holds, which its MemoryCost must count (the encoded bytes are
    // shared and counted once, by this image). A still's wrapped image drops its frame after each transform.
    internal override long DecoderStateBytes => _inner.IsAnimated
        ? _inner.WrappedStateBytes
        : _inner.Source.DecoderStateBytes;

    /// <summary>
    /// Wraps <paramref name="inner"/>, taking ownership: it is disposed with the source, or now if this throws.
    /// </summary>
    /// <exception cref="ImageTransformException">A transformer refuses the image's size.</exception>
    public static TransformedImageSource Create(AnimatedImage inner, IReadOnlyList<ImageTransformer> transformers)
    {
        try
        {
            return new TransformedImageSource(inner, TransformChain.Create(transformers, new Size(inner.PixelWidth, inner.PixelHeight)));
        }
        catch
        {
            inner.Dispose();
            throw;
        }
    }

    public override TimeSpan GetFrameDuration(int index) => _inner.FrameDuration(index);

    public override int GetRequiredFrame(int index) => -1;

    // The chain clears the canvas itself when its last transformer does not fill it.
    internal override bool WritesEveryPixel(int index) => true;

    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        if (rowBytes != PixelWidth * 4)
        {
            throw new ArgumentException($"Transformed frames are drawn into tightly packed rows ({PixelWidth * 4} bytes), not rows of {rowBytes} bytes.", nameof(rowBytes));
        }

        if (TryRenderReduced(canvas))
        {
            return;
        }

        try
        {
            using var frame = _inner.GetFrame(index);
            _chain.Apply(frame.Pixels, canvas);
        }
        finally
        {
            // Also when a transformer failed: the full-size frame would otherwise stay, uncounted, as long as this image.
            _inner.LetGoAfterWrappedRender(index); // this image keeps the transformed frame
        }
    }

    // A still whose first transformer is a resize is decoded straight at about the size the resize needs, when its decoder
    // can (JPEG in eighths, WebP to any size), never at full size first. (Only this source calls into the inner image's
    // source, always under the outer image's lock, as ScaledImageSource does.)
    private bool TryRenderReduced(Span<byte> canvas)
    {
        if (_inner.IsAnimated || _chain.First is not ResizeTransformer resize)
        {
            return false;
        }

        var needed = resize.SmallestUsefulInput(_chain.InputSize);
        if (needed == _chain.InputSize || _inner.Source.ReducedDecodeSize(needed.Width, needed.Height) is not { } reduced
            || (reduced.Width, reduced.Height) == (_chain.InputSize.Width, _chain.InputSize.Height))
        {
            return false;
        }

        var buffer = _inner.Source.RenderReducedToBuffer(reduced.Width, reduced.Height);
        try
        {
            _chain.Apply(buffer.Span, new Size(reduced.Width, reduced.Height), canvas);
        }
        finally
        {
            buffer.Release();
        }

        return true;
    }

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
