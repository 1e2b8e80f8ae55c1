using System.Drawing;

namespace ImageKit.Transforming;

/// <summary>
/// Turns a decoded image into another one: resized, cropped, rounded, blurred… (the counterpart of SDWebImage's
/// <c>SDImageTransformer</c>, Kingfisher's image processors and Nuke's <c>ImageProcessing</c>). Set a list of them in
/// <see cref="ImageLoadOptions.Transformers"/> or <see cref="Decoding.ImageDecodeOptions.Transformers"/>; they run in
/// order, on every frame of an animation, after scale-down and thumbnail decoding.
/// </summary>
/// <remarks>
/// <para>
/// <b>Caching.</b> The memory cache keeps a transformed image under its own key, which includes every transformer's
/// <see cref="Key"/>; the disk cache keeps the original bytes, so one download serves every variant.
/// </para>
/// <para>
/// <b>When it runs.</b> <see cref="GetOutputSize"/> when the image is decoded (its size must be known then); <see
/// cref="Transform"/> each time a frame is composited, on whichever thread asks for the frame. A still loaded through
/// <see cref="ImageManager"/> is transformed once, during its load, and kept as its transformed pixels.
/// </para>
/// <para>
/// <b>Threading.</b> One transformer may be used by many images on many threads at once: <see cref="Transform"/> and
/// <see cref="GetOutputSize"/> must be thread-safe, which they are when the transformer keeps no state beyond its
/// parameters.
/// </para>
/// <para>
/// <b>Errors.</b> An exception from a transformer reaches the caller as an <see cref="ImageTransformException"/> naming
/// the transformer; a load whose transform fails is not remembered as a failed URL (the URL is fine).
/// </para>
/// </remarks>
public abstract class ImageTransformer
{
    /// <summary>
    /// Identifies what this transformer does, every parameter that changes its output included (for example
    /// <c>resize(200x200,Fill)</c>). Part of the memory-cache key: two transformers with the same key must make the same
    /// pixels from the same input, and the key must not change over the transformer's life.
    /// </summary>
    public abstract string Key { get; }

    /// <summary>
    /// The size of the output for an input of <paramref name="inputSize"/> (both positive). Called once per image, when
    /// it is decoded. <value>Default: <paramref name="inputSize"/> (same size).</value>
    /// </summary>
    /// <exception cref="ImageTransformException">The transform cannot be applied to an image of this size.</exception>
    public virtual Size GetOutputSize(Size inputSize) => inputSize;

    /// <summary>
    /// Draws the transformed <paramref name="input"/> into <paramref name="output"/>. Both are 32-bit BGRA with
    /// premultiplied alpha, rows tightly packed (width × 4 bytes), top row first; <paramref name="output"/> is
    /// transparent (all zero) when the call starts and is <see cref="GetOutputSize"/> of <paramref name="inputSize"/>.
    /// </summary>
    /// <param name="input">The frame to transform, composited (never a partial frame of an animation).</param>
    /// <param name="inputSize">The width and height of <paramref name="input"/>.</param>
    /// <param name="output">Where to draw the result; the spans stay at a fixed address during the call.</param>
    /// <param name="outputSize">The width and height of <paramref name="output"/>.</param>
    public abstract void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize);

    /// <summary>Whether <see cref="Transform"/> writes every output pixel, so the output need not be cleared first.</summary>
    internal virtual bool WritesEveryPixel => false;

    /// <summary>Whether an opaque input gives an opaque output (unknown for the app's own transformers).</summary>
    internal virtual bool KeepsOpaque => false;

    /// <inheritdoc/>
    public override string ToString() => Key;
}
