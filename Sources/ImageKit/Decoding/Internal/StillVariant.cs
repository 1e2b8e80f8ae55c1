using ImageKit.Transforming.Internal;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Turns a scaled-down, thumbnail or transformed still, or the first frame of an animation, into its pixels alone before a
/// cache keeps it. Such a variant is small, but until then it also keeps the encoded bytes it would decode from: a grid
/// of 256-pixel thumbnails of 3 MB photos filled the memory cache with photos' bytes, about ten times the thumbnails'
/// pixels, and a list of first frames kept every animation whole (SDWebImage, Nuke and Kingfisher keep processed images
/// and first frames in memory as pixels only too). Full-size stills and animations stay lazy: their encoded bytes are
/// much smaller than their pixels and let the image drop pixels under memory pressure.
/// </summary>
internal static class StillVariant
{
    /// <summary>
    /// Limits for a variant that passed the caller's limits when it was made: its pixels are what they are (also when
    /// they come back from the disk, see <see cref="Caching.Internal.DiskVariant"/>).
    /// </summary>
    internal static readonly DecodingLimits AlreadyChecked = new()
    {
        MaxPixelsPerFrame = long.MaxValue,
        MaxFrameCount = int.MaxValue,
        MaxTotalDecodedBytes = long.MaxValue,
    };

    /// <summary>
    /// Whether <paramref name="image"/> is a still made smaller or transformed from its encoded original, or an
    /// animation's first frame decoded alone (<see cref="ImageDecodeOptions.FirstFrameOnly"/>).
    /// </summary>
    public static bool Applies(AnimatedImage image) =>
        !image.IsAnimated && (image.Source is ScaledImageSource or TransformedImageSource || image.Source.LeftOutFrames);

    /// <summary>
    /// Decodes <paramref name="image"/>'s pixels and returns an image of those pixels alone, taking over the caller's
    /// ownership of <paramref name="image"/> (disposed here, also when this throws); any other image is returned as it is.
    /// </summary>
    /// <exception cref="ImageDecodingException">The pixels cannot be decoded (the data is truncated or corrupt).</exception>
    /// <exception cref="Transforming.ImageTransformException">A transformer failed.</exception>
    public static AnimatedImage KeepAsPixels(AnimatedImage image)
    {
        if (!Applies(image))
        {
            return image;
        }

        using (image)
        {
            PixelBuffer pixels;
            using (var frame = image.GetFrame(0))
            {
                pixels = frame.Buffer;
                pixels.AddReference();
            }

            var source = new RetainedPixelsSource(pixels, image.Format, image.PixelWidth, image.PixelHeight, image.HasAlpha, image.AppliedExifOrientation);
            return new AnimatedImage(source, ReadOnlyMemory<byte>.Empty, new ImageDecodeOptions { SourceName = image.SourceName, Limits = AlreadyChecked });
        }
    }
}
