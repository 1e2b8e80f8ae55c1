namespace ImageKit.Decoding;

/// <summary>Options for decoding one image. Every property has a documented default; <see cref="Default"/> uses them all.</summary>
public sealed record ImageDecodeOptions
{
    /// <summary>The defaults.</summary>
    public static ImageDecodeOptions Default { get; } = new();

    /// <summary>Limits against hostile input. <value>Default: <see cref="DecodingLimits.Default"/>.</value></summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    public DecodingLimits Limits
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value), "Limits cannot be null; leave it unset for the defaults.");
    } = DecodingLimits.Default;

    /// <summary>How encoded frame durations become playback durations. <value>Default: <see cref="FrameDurationPolicy.Browser"/>.</value></summary>
    /// <exception cref="ArgumentNullException">Set to <see langword="null"/>.</exception>
    public FrameDurationPolicy FrameDurations
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value), "FrameDurations cannot be null; leave it unset for the defaults.");
    } = FrameDurationPolicy.Browser;

    /// <summary>How the GIF loop field is read. <value>Default: <see cref="GifLoopCountSemantics.Browser"/>.</value></summary>
    public GifLoopCountSemantics GifLoopCount { get; init; } = GifLoopCountSemantics.Browser;

    /// <summary>
    /// Decode only the first frame: an animated image becomes a one-frame still (its <see cref="AnimatedImage.LoopCount"/>
    /// is then 1). <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool FirstFrameOnly { get; init; }

    /// <summary>
    /// Scale down: an image with more pixels than this is decoded to the largest size within it, aspect ratio kept (each
    /// frame composited at full size, then resampled). 0 keeps every image at its own size. The counterpart of
    /// SDWebImage's scale-down of large images, made explicit and per request.
    /// <value>Default: 0 (no scaling).</value>
    /// </summary>
    public long MaxPixelCount { get; init; }

    /// <summary>
    /// What the data is, for error messages (a file path or URL). <value>Default: <see langword="null"/> (in-memory data).</value>
    /// </summary>
    public string? SourceName { get; init; }
}
