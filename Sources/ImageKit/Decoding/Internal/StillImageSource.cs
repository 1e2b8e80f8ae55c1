namespace ImageKit.Decoding.Internal;

/// <summary>
/// A source of one still frame, whose size and format are known when it is made: no durations, no frame that depends on
/// another, one play. What the sources of pixels kept alone and of ImageIO's stills share.
/// </summary>
internal abstract class StillImageSource(ImageFormat format, int width, int height, bool hasAlpha, int appliedExifOrientation) : AnimatedImageSource
{
    public sealed override ImageFormat Format { get; } = format;

    public sealed override int PixelWidth { get; } = width;

    public sealed override int PixelHeight { get; } = height;

    public sealed override int FrameCount => 1;

    public sealed override int LoopCount => 1;

    public sealed override bool HasAlpha { get; } = hasAlpha;

    internal sealed override int AppliedExifOrientation { get; } = appliedExifOrientation;

    public sealed override TimeSpan GetFrameDuration(int index) => TimeSpan.Zero;

    public sealed override int GetRequiredFrame(int index) => -1;
}
