using ImageKit.Decoding;

namespace ImageKit.Fuzz;

/// <summary>
/// Any bytes go through <see cref="AnimatedImage.Decode(ReadOnlySpan{byte}, ImageDecodeOptions?)"/>, every frame (up to
/// <see cref="MaxFrames"/>), and a thumbnail decode. The only exception allowed out of ImageKit is
/// <see cref="ImageDecodingException"/> with a message; anything else escapes and is a finding.
/// </summary>
internal static class DecodeTarget
{
    private const int MaxFrames = 24;

    private static readonly DecodingLimits s_limits = new()
    {
        MaxPixelsPerFrame = 4_000_000,
        MaxFrameCount = 1_000,
        MaxTotalDecodedBytes = 256L * 1024 * 1024,
    };

    private static readonly ImageDecodeOptions s_full = new() { Limits = s_limits };

    private static readonly ImageDecodeOptions s_thumbnail = new() { Limits = s_limits, ThumbnailPixelSize = new System.Drawing.Size(48, 48) };

    /// <summary>Runs one input; returns what happened ("decoded, N frames" or "rejected: …").</summary>
    public static string Exercise(byte[] data)
    {
        try
        {
            int frames;
            using (var image = AnimatedImage.Decode(data, s_full))
            {
                frames = Math.Min(image.FrameCount, MaxFrames);
                for (var i = 0; i < frames; i++)
                {
                    using var frame = image.GetFrame(i);
                }
            }

            using (var thumbnail = AnimatedImage.Decode(data, s_thumbnail))
            {
                using var first = thumbnail.GetFrame(0);
            }

            return $"decoded, {frames} frames";
        }
        catch (ImageDecodingException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
            return $"rejected: {e.GetType().Name}: {e.Message}";
        }
    }
}
