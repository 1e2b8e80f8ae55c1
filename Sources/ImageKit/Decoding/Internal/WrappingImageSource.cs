namespace ImageKit.Decoding.Internal;

/// <summary>
/// A source whose frames are drawn from another image's composited frames (<see cref="ScaledImageSource"/>,
/// <see cref="Transforming.Internal.TransformedImageSource"/>): the format, frame count, timing and loop count are the
/// wrapped image's, and every frame stands alone here, drawn whole into the canvas.
/// </summary>
/// <remarks>
/// Owns the wrapped image: it is disposed with this source. Only this source calls into the wrapped image's source,
/// always under the outer image's lock.
/// </remarks>
internal abstract class WrappingImageSource(AnimatedImage inner) : AnimatedImageSource
{
    /// <summary>The wrapped image, owned by this source.</summary>
    protected AnimatedImage Inner { get; } = inner;

    public override ImageFormat Format => Inner.Format;

    public override int FrameCount => Inner.FrameCount;

    public override int LoopCount => Inner.LoopCount;

    public override bool HasAlpha => Inner.HasAlpha;

    internal override int AppliedExifOrientation => Inner.AppliedExifOrientation;

    // An animation's wrapped image keeps the few full-size composited frames that later frames are drawn onto, and its
    // decoder, between calls: memory this image holds, which its MemoryCost must count (the encoded bytes are shared and
    // counted once, by this image). A still's wrapped image drops its frame after each use.
    internal override long DecoderStateBytes => Inner.IsAnimated
        ? Inner.WrappedStateBytes
        : Inner.Source.DecoderStateBytes;

    public override TimeSpan GetFrameDuration(int index) => Inner.FrameDuration(index);

    public override int GetRequiredFrame(int index) => -1;

    // The whole target is drawn: resampled, or by a transform chain that clears what its last transformer leaves.
    internal override bool WritesEveryPixel(int index) => true;

    // The full-size frames the wrapped image keeps to draw later frames onto: counted by this image's MemoryCost, dropped
    // with its own composited frames.
    internal override void TrimWrappedCache() => Inner.TrimCache();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
