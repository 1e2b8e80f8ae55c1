namespace ImageKit.Decoding.Skia;

/// <summary>
/// Decodes GIF, WebP (still and animated), PNG, JPEG, BMP and ICO with SkiaSharp. An APNG given to it shows as its static
/// default image; <see cref="Apng.ApngDecoder"/>, tried first by default, plays it.
/// </summary>
public sealed class SkiaImageDecoder : IImageDecoder
{
    /// <inheritdoc/>
    public bool CanDecode(ImageFormat format, ReadOnlySpan<byte> data) => format is
        ImageFormat.Gif or ImageFormat.WebP or ImageFormat.Png or ImageFormat.Apng or
        ImageFormat.Jpeg or ImageFormat.Bmp or ImageFormat.Ico;

    /// <inheritdoc/>
    public AnimatedImageSource CreateSource(ReadOnlyMemory<byte> data, ImageDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SkiaCodecSource.Create(data, ImageFormatDetector.Detect(data.Span), options);
    }
}
