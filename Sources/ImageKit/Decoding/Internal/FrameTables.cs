namespace ImageKit.Decoding.Internal;

/// <summary>
/// The per-frame tables of an <see cref="AnimatedImage"/>: made with an animation, and for a still only if its
/// <see cref="AnimatedImage.FrameDurations"/> are read (a still keeps its one duration in fields of the image). One object
/// rather than four fields of the image: a memory cache keeps every still it loads, and an image's every byte is copied
/// by the collections that follow.
/// </summary>
internal sealed class FrameTables(TimeSpan[] durations, TimeSpan[] effectiveDurations)
{
    /// <summary>Each frame's duration as encoded. Never written after the image is made.</summary>
    public TimeSpan[] Durations { get; } = durations;

    /// <summary>Each frame's duration after the image's <see cref="FrameDurationPolicy"/>. Never written after the image is made.</summary>
    public TimeSpan[] EffectiveDurations { get; } = effectiveDurations;

    /// <summary>For each frame the last frame drawn directly onto it, or -1; made when first needed, under the image's lock.</summary>
    public int[]? LastDependent { get; set; }

    /// <summary>
    /// The pixels last handed out for each frame, held weakly (see AnimatedImage.FrameSharing.cs); made when first needed,
    /// under the image's lock.
    /// </summary>
    public WeakReference<PixelBuffer>?[]? HandedOut { get; set; }
}
