using System.Drawing;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;

namespace ImageKit.Transforming.Internal;

/// <summary>
/// An image run through <see cref="ImageDecodeOptions.Transformers"/>: each frame is composited by the wrapped image and
/// transformed into this image's canvas, so every frame is independent here.
/// </summary>
/// <remarks>
/// Owns the wrapped image. A still drops its untransformed frame right after use, so only the transformed pixels stay in
/// memory; an animation lets the wrapped image keep its few composited frames for cheap in-order playback.
/// </remarks>
internal sealed class TransformedImageSource : WrappingImageSource
{
    private readonly TransformChain _chain;

    private TransformedImageSource(AnimatedImage inner, TransformChain chain)
        : base(inner) => _chain = chain;

    public override int PixelWidth => _chain.OutputSize.Width;

    public override int PixelHeight => _chain.OutputSize.Height;

    public override bool HasAlpha => Inner.HasAlpha || !_chain.KeepsOpaque;

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
            using var frame = Inner.GetFrame(index);
            _chain.Apply(frame.Pixels, canvas);
        }
        finally
        {
            // Also when a transformer failed: the full-size frame would otherwise stay, uncounted, as long as this image.
            Inner.LetGoAfterWrappedRender(index); // this image keeps the transformed frame
        }
    }

    // A still whose first transformer is a resize is decoded straight at about the size the resize needs, when its decoder
    // can (JPEG in eighths, WebP to any size), never at full size first.
    private bool TryRenderReduced(Span<byte> canvas)
    {
        if (Inner.IsAnimated || _chain.First is not ResizeTransformer resize)
        {
            return false;
        }

        var needed = resize.SmallestUsefulInput(_chain.InputSize);
        if (needed == _chain.InputSize || Inner.Source.ReducedDecodeSize(needed.Width, needed.Height) is not { } reduced
            || (reduced.Width, reduced.Height) == (_chain.InputSize.Width, _chain.InputSize.Height))
        {
            return false;
        }

        var buffer = Inner.Source.RenderReducedToBuffer(reduced.Width, reduced.Height);
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

}
