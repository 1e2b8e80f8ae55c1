using ImageKit.Decoding.ImageIO.Interop;

namespace ImageKit.Decoding.ImageIO;

/// <summary>
/// Decodes HEIF (HEIC: what iPhones and Macs take photos in) and AVIF stills with Apple's ImageIO, as SDWebImage's
/// ImageIO coder does. macOS only: elsewhere <see cref="CanDecode"/> answers no and such data is refused with
/// <see cref="UnsupportedImageFormatException"/>. <see cref="ImageDecoderRegistry.Default"/> includes it on macOS.
/// </summary>
/// <remarks>
/// The image comes out upright (HEIF's rotation and mirroring are part of the image), colour-managed into sRGB, with
/// its size known from the headers before any pixel is decoded. Only the primary image is decoded: an image sequence
/// shows as a still. AVIF needs macOS 13 or later.
/// </remarks>
public sealed class ImageIODecoder : IImageDecoder
{
    private readonly IImageIO? _imageIO;

    /// <summary>Creates the decoder; it decodes only on macOS.</summary>
    public ImageIODecoder()
        : this(OperatingSystem.IsMacOS() ? ImageIONative.Instance : null)
    {
    }

    // Tests run the decoder on any OS against a fake.
    internal ImageIODecoder(IImageIO? imageIO) => _imageIO = imageIO;

    /// <summary>Whether ImageIO can be used here: on macOS.</summary>
    public bool IsAvailable => _imageIO is not null;

    /// <inheritdoc/>
    public bool CanDecode(ImageFormat format, ReadOnlySpan<byte> data) => _imageIO is not null && format is ImageFormat.Heif or ImageFormat.Avif;

    /// <inheritdoc/>
    public AnimatedImageSource CreateSource(ReadOnlyMemory<byte> data, ImageDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var imageIO = _imageIO ?? throw new UnsupportedImageFormatException("HEIF and AVIF images are decoded only on macOS, by ImageIO");
        return ImageIOSource.Create(data, ImageFormatDetector.Detect(data.Span), options, imageIO);
    }
}
