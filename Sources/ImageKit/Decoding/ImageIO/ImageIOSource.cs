using ImageKit.Decoding.ImageIO.Interop;
using ImageKit.Decoding.Internal;

namespace ImageKit.Decoding.ImageIO;

/// <summary>
/// A HEIF or AVIF still decoded by ImageIO. It holds no native object between calls: reading the headers and decoding
/// the frame each make their own image source from the encoded bytes (which the image keeps) and release everything
/// before returning, so nothing native can outlive the image or leak when it is never disposed.
/// </summary>
/// <remarks>
/// The image comes out upright: a HEIF file's rotation and mirroring (<c>irot</c>, <c>imir</c>) are part of the image,
/// which every reader must apply, so <see cref="ImageDecodeOptions.Orientation"/> does not turn them off. Only the
/// primary image is decoded; an image sequence (HEICS) shows as its first image.
/// </remarks>
internal sealed unsafe class ImageIOSource : StillImageSource
{
    private readonly ReadOnlyMemory<byte> _data;
    private readonly IImageIO _imageIO;

    // Sizes here are upright; the properties' are as stored.
    private ImageIOSource(ReadOnlyMemory<byte> data, ImageFormat format, ImageIOProperties properties, IImageIO imageIO)
        : base(
            format,
            properties.Orientation >= 5 ? properties.Height : properties.Width,
            properties.Orientation >= 5 ? properties.Width : properties.Height,
            properties.HasAlpha,
            properties.Orientation)
    {
        _data = data;
        _imageIO = imageIO;
    }

    /// <summary>Reads the headers of <paramref name="data"/> (kept, unchanged, for as long as the source lives).</summary>
    /// <exception cref="ImageDecodingException">ImageIO cannot read them.</exception>
    /// <exception cref="ImageLimitExceededException">The image breaks a limit.</exception>
    public static ImageIOSource Create(ReadOnlyMemory<byte> data, ImageFormat format, ImageDecodeOptions options, IImageIO imageIO)
    {
        var source = imageIO.CreateSource(data.Span);
        if (source == IntPtr.Zero)
        {
            throw new ImageDecodingException($"ImageIO could not read the {format.ToString().ToUpperInvariant()} data");
        }

        try
        {
            var status = imageIO.GetStatus(source);
            if (status != 0 || imageIO.GetCount(source) < 1 || !imageIO.TryGetProperties(source, 0, out var properties))
            {
                throw new ImageDecodingException(
                    $"ImageIO could not read the {format.ToString().ToUpperInvariant()} headers (status {status}: the data is damaged, truncated or of a kind this Mac cannot decode)");
            }

            var image = new ImageIOSource(data, format, properties, imageIO);
            options.Limits.Check(image.PixelWidth, image.PixelHeight, 1);
            return image;
        }
        finally
        {
            imageIO.Release(source);
        }
    }

    public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(index, 0);
        Render(PixelWidth, PixelHeight, canvas, rowBytes);
    }

    /// <summary>
    /// ImageIO decodes straight to any size (thumbnails, a resize first among the transformers): the image scaled to
    /// cover <paramref name="width"/> x <paramref name="height"/>, aspect ratio kept; <see langword="null"/> when that is
    /// not smaller than the image.
    /// </summary>
    internal override (int Width, int Height)? ReducedDecodeSize(int width, int height)
    {
        var scale = Math.Max((double)width / PixelWidth, (double)height / PixelHeight);
        if (scale >= 1)
        {
            return null;
        }

        var reduced = ((int)Math.Ceiling(PixelWidth * scale), (int)Math.Ceiling(PixelHeight * scale));
        return reduced.Item1 < PixelWidth || reduced.Item2 < PixelHeight ? reduced : null;
    }

    internal override void RenderReduced(int width, int height, Span<byte> canvas, int rowBytes) => Render(width, height, canvas, rowBytes);

    // Decodes at `width` x `height` (the full size, or one ReducedDecodeSize returned): ImageIO makes the image with that
    // largest side, and drawing it into the canvas absorbs any rounding of its own.
    private void Render(int width, int height, Span<byte> canvas, int rowBytes)
    {
        if (rowBytes < width * 4 || canvas.Length < (long)rowBytes * height)
        {
            throw new ArgumentException("The canvas is smaller than the image.", nameof(canvas));
        }

        var source = _imageIO.CreateSource(_data.Span);
        if (source == IntPtr.Zero)
        {
            throw new ImageDecodingException($"ImageIO could not read the {Format.ToString().ToUpperInvariant()} data");
        }

        try
        {
            var image = _imageIO.CreateUprightImage(source, 0, Math.Max(width, height));
            if (image == IntPtr.Zero)
            {
                throw new ImageDecodingException($"ImageIO could not decode the {Format.ToString().ToUpperInvariant()} image (the data is damaged or truncated)");
            }

            try
            {
                fixed (byte* pixels = canvas)
                {
                    if (!_imageIO.Draw(image, (IntPtr)pixels, width, height, rowBytes))
                    {
                        throw new ImageDecodingException("CoreGraphics could not draw the decoded image into the frame");
                    }
                }
            }
            finally
            {
                _imageIO.Release(image);
            }
        }
        finally
        {
            _imageIO.Release(source);
        }
    }
}
