using System.Globalization;

namespace ImageKit.Decoding;

/// <summary>
/// Limits that protect the process from hostile or broken images. They are checked from the headers, before any large
/// allocation, and a breach throws <see cref="ImageLimitExceededException"/>. With <see cref="ImageDecodeOptions.FirstFrameOnly"/>
/// they apply to the one frame decoded: frames the image declares beyond it count against neither <see cref="MaxFrameCount"/>
/// nor <see cref="MaxTotalDecodedBytes"/>.
/// </summary>
public sealed record DecodingLimits
{
    /// <summary>The defaults: 100 megapixels a frame, 10,000 frames, 4 GiB of decoded pixels in all.</summary>
    public static DecodingLimits Default { get; } = new();

    /// <summary>The largest canvas in pixels (width × height). <value>Default: 100,000,000 (for example 10,000 × 10,000).</value></summary>
    public long MaxPixelsPerFrame { get; init; } = 100_000_000;

    /// <summary>
    /// The most frames an image may declare (a first-frame-only decode counts one). <value>Default: 10,000.</value>
    /// </summary>
    public int MaxFrameCount { get; init; } = 10_000;

    /// <summary>
    /// The most bytes that decoding every frame of the image would produce (width × height × 4 × frames; one frame for a
    /// first-frame-only decode). Frames are decoded lazily, so this bounds what a tiny file can make the process decode
    /// over its life, not what it holds at once.
    /// <value>Default: 4 GiB.</value>
    /// </summary>
    public long MaxTotalDecodedBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// The largest file <see cref="AnimatedImage.Load"/> reads: a larger one is refused from its length, without being
    /// read; one that cannot say its length (a pipe, a device) is read up to this and refused past it.
    /// <value>Default: 256 MiB.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to 0 or less.</exception>
    public long MaxFileBytes
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxFileBytes must be positive.");
    } = ImageKit.Internal.BoundedFileReader.DefaultMaxBytes;

    /// <summary>
    /// Checks a frame count taken from the container's headers before a decoder reads the file, which stops counting once
    /// past <see cref="MaxFrameCount"/>: the image holds at least <paramref name="framesAtLeast"/> frames.
    /// </summary>
    /// <exception cref="ImageLimitExceededException">More frames than <see cref="MaxFrameCount"/>.</exception>
    internal void CheckFrameCountAtLeast(int framesAtLeast)
    {
        if (framesAtLeast > MaxFrameCount)
        {
            throw new ImageLimitExceededException(
                string.Create(CultureInfo.InvariantCulture, $"the image declares at least {framesAtLeast:N0} frames, more than the limit of {MaxFrameCount:N0} (DecodingLimits.MaxFrameCount)"));
        }
    }

    /// <summary>Checks the declared geometry of an image against the limits.</summary>
    /// <exception cref="ImageLimitExceededException">A limit is exceeded.</exception>
    internal void Check(int width, int height, int frameCount)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ImageDecodingException($"the image declares an empty canvas ({width}x{height})");
        }

        var pixels = (long)width * height;
        if (pixels > MaxPixelsPerFrame)
        {
            throw new ImageLimitExceededException(
                string.Create(CultureInfo.InvariantCulture, $"the canvas {width}x{height} has {pixels:N0} pixels, more than the limit of {MaxPixelsPerFrame:N0} (DecodingLimits.MaxPixelsPerFrame)"));
        }

        // One frame is one buffer, and a buffer holds at most Array.MaxLength bytes (~2 GiB), whatever the limits allow.
        if (pixels * 4 > Array.MaxLength)
        {
            throw new ImageLimitExceededException(
                string.Create(CultureInfo.InvariantCulture, $"the canvas {width}x{height} needs {pixels * 4:N0} bytes per frame, more than one frame buffer can hold ({Array.MaxLength:N0} bytes)"));
        }

        if (frameCount > MaxFrameCount)
        {
            throw new ImageLimitExceededException(
                string.Create(CultureInfo.InvariantCulture, $"the image declares {frameCount:N0} frames, more than the limit of {MaxFrameCount:N0} (DecodingLimits.MaxFrameCount)"));
        }

        var total = pixels * 4 * Math.Max(frameCount, 1);
        if (total > MaxTotalDecodedBytes)
        {
            throw new ImageLimitExceededException(
                string.Create(CultureInfo.InvariantCulture, $"decoding all {frameCount:N0} frames of {width}x{height} would take {total:N0} bytes, more than the limit of {MaxTotalDecodedBytes:N0} (DecodingLimits.MaxTotalDecodedBytes)"));
        }
    }
}
