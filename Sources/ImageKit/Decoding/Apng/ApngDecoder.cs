using ImageKit.Decoding.Skia;

namespace ImageKit.Decoding.Apng;

/// <summary>
/// Decodes animated PNG (APNG): parses the animation chunks itself and decodes each frame with SkiaSharp as a standalone
/// PNG, then disposes and blends frames as the APNG specification says. Tried before <see cref="SkiaImageDecoder"/> in
/// <see cref="ImageDecoderRegistry.Default"/>, because Skia alone shows only an APNG's default image.
/// </summary>
/// <remarks>
/// <para>
/// <b>Frames.</b> <see cref="AnimatedImageSource.FrameCount"/> is the number of animation frames (acTL <c>num_frames</c>;
/// should more frames follow than it declares, all are played, as Pillow does). When the IDAT image comes before the
/// first <c>fcTL</c> it is not part of the animation and is not shown. <see cref="AnimatedImageSource.LoopCount"/> is
/// <c>num_plays</c> as stored (0 = forever); durations are <c>delay_num / delay_den</c> seconds, a denominator of 0
/// meaning 100. Frames are composited without colour management, as <see cref="SkiaImageDecoder"/> decodes stills.
/// </para>
/// <para>
/// <b>Invalid files.</b> When the animation control is unusable (a missing, damaged or repeated <c>acTL</c>, or one that
/// declares no frames or more than 2^31 − 1), the file is shown as browsers show it: as the plain PNG it also is, decoded
/// by Skia, with <see cref="ImageFormat.Png"/> as its format. A broken animation (sequence-number errors, a frame without
/// data or outside the canvas, fewer frames than declared, a damaged <c>fcTL</c> or <c>fdAT</c>) and a broken PNG
/// (truncated chunks, damaged critical chunks) throw <see cref="ImageDecodingException"/>. A
/// <see cref="ImageDecodeOptions.FirstFrameOnly"/> decode reads the file only up to the end of the first frame's data (the
/// next frame's <c>fcTL</c>): what follows cannot change that frame, so later frames that are broken, or fewer than the
/// <c>acTL</c> declares, do not fail it; the first frame and everything before it are checked as in a full decode.
/// </para>
/// <para><b>Threading.</b> The decoder is stateless and can be shared; each source it creates is used by one image.</para>
/// </remarks>
public sealed class ApngDecoder : IImageDecoder
{
    /// <inheritdoc/>
    public bool CanDecode(ImageFormat format, ReadOnlySpan<byte> data) => format == ImageFormat.Apng;

    /// <inheritdoc/>
    public AnimatedImageSource CreateSource(ReadOnlyMemory<byte> data, ImageDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var container = ApngReader.Read(data.Span, options.Limits, options.FirstFrameOnly);
        return container is null
            ? SkiaCodecSource.Create(data, ImageFormat.Png, options)
            : new ApngFrameSource(data, container);
    }
}
