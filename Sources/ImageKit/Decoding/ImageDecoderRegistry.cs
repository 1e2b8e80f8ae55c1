using System.Collections.Immutable;
using ImageKit.Decoding.Apng;
using ImageKit.Decoding.Internal;
using ImageKit.Decoding.Skia;
using ImageKit.Transforming.Internal;

namespace ImageKit.Decoding;

/// <summary>
/// An ordered list of decoders (the counterpart of SDWebImage's coders manager): the first decoder that accepts the data
/// decodes it. Applications add their own in front with <see cref="Insert"/> to override a built-in one.
/// </summary>
/// <remarks>Thread-safe: the list is replaced atomically, and a decode in progress keeps the list it started with.</remarks>
public sealed class ImageDecoderRegistry
{
    private ImmutableArray<IImageDecoder> _decoders;

    /// <summary>Creates a registry with the given decoders, in order.</summary>
    /// <exception cref="ArgumentException">One of the decoders is null.</exception>
    public ImageDecoderRegistry(IEnumerable<IImageDecoder> decoders)
    {
        ArgumentNullException.ThrowIfNull(decoders);
        _decoders = [.. decoders];
        if (_decoders.Contains(null!))
        {
            throw new ArgumentException("A decoder registry cannot hold a null decoder.", nameof(decoders));
        }
    }

    /// <summary>
    /// The registry <see cref="AnimatedImage.Decode"/> uses: <see cref="ApngDecoder"/> first, then <see cref="SkiaImageDecoder"/>
    /// (GIF, WebP, PNG, JPEG, BMP, ICO), then on macOS <see cref="ImageIO.ImageIODecoder"/> (HEIF, AVIF).
    /// </summary>
    public static ImageDecoderRegistry Default { get; } = CreateDefault();

    /// <summary>The decoders, in the order they are tried.</summary>
    public ImmutableArray<IImageDecoder> Decoders => _decoders;

    /// <summary>
    /// Creates a registry with the built-in decoders: <see cref="ApngDecoder"/>, then <see cref="SkiaImageDecoder"/>, then on
    /// macOS <see cref="ImageIO.ImageIODecoder"/>.
    /// </summary>
    public static ImageDecoderRegistry CreateDefault() =>
        OperatingSystem.IsMacOS()
            ? new([new ApngDecoder(), new SkiaImageDecoder(), new ImageIO.ImageIODecoder()])
            : new([new ApngDecoder(), new SkiaImageDecoder()]);

    /// <summary>Inserts <paramref name="decoder"/> at <paramref name="index"/> (0 = tried first).</summary>
    public void Insert(int index, IImageDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ImmutableInterlocked.Update(ref _decoders, static (list, arg) => list.Insert(arg.index, arg.decoder), (index, decoder));
    }

    /// <summary>Removes <paramref name="decoder"/>; returns whether it was registered.</summary>
    public bool Remove(IImageDecoder decoder)
    {
        var removed = false;
        ImmutableInterlocked.Update(ref _decoders, list =>
        {
            var next = list.Remove(decoder);
            removed = next.Length != list.Length;
            return next;
        });
        return removed;
    }

    /// <summary>
    /// Decodes <paramref name="data"/> with the first decoder that accepts it. The data is copied once, into native memory
    /// the image owns; the caller keeps its buffer.
    /// </summary>
    /// <exception cref="UnsupportedImageFormatException">No decoder accepts the data; the message says what it looks like.</exception>
    /// <exception cref="ImageDecodingException">The data is corrupt or breaks a limit.</exception>
    /// <exception cref="Transforming.ImageTransformException">One of the options' transformers refuses the image's size.</exception>
    public AnimatedImage Decode(ReadOnlySpan<byte> data, ImageDecodeOptions? options = null) => Decode(data, options, pinned: default);

    /// <summary>
    /// Decodes <paramref name="pinned"/>, an array on the pinned object heap that nothing writes to again (a response
    /// body), keeping it as the image's encoded data instead of a native copy.
    /// </summary>
    internal AnimatedImage DecodePinned(ReadOnlyMemory<byte> pinned, ImageDecodeOptions? options) => Decode(pinned.Span, options, pinned);

    private AnimatedImage Decode(ReadOnlySpan<byte> data, ImageDecodeOptions? options, ReadOnlyMemory<byte> pinned)
    {
        options ??= ImageDecodeOptions.Default;
        var format = ImageFormatDetector.Detect(data);
        foreach (var decoder in _decoders)
        {
            if (!decoder.CanDecode(format, data))
            {
                continue;
            }

            // One native copy, shared by the image (which owns it) and its Skia codecs (which take their own references).
            var encoded = pinned.IsEmpty ? SkiaEncodedData.Copy(data) : SkiaEncodedData.WrapPinned(pinned);
            AnimatedImageSource source;
            try
            {
                source = decoder.CreateSource(encoded.Memory, options);
            }
            catch (ImageKitException e)
            {
                ((IDisposable)encoded).Dispose();
                e.SourceName ??= options.SourceName;
                throw;
            }
            catch
            {
                ((IDisposable)encoded).Dispose();
                throw;
            }

            var image = new AnimatedImage(source, encoded.Memory, options, ownsEncodedData: true);
            return Transform(ScaleDown(image, options), options);
        }

        var reason = format switch
        {
            ImageFormat.Unknown => ImageFormatDetector.DescribeUnrecognized(data),
            ImageFormat.Heif or ImageFormat.Avif => $"{format.ToString().ToUpperInvariant()} images are decoded only on macOS, by ImageIO (ImageIODecoder)",
            _ => $"no registered decoder accepts {format} data",
        };
        throw new UnsupportedImageFormatException(reason) { DetectedFormat = format, SourceName = options.SourceName };
    }

    private static AnimatedImage ScaleDown(AnimatedImage image, ImageDecodeOptions options)
    {
        if (options.ScaledSize(image.PixelWidth, image.PixelHeight) is not { } size)
        {
            return image;
        }

        // The scaled source owns the full-size image; the new image disposes the source (and so it) on every path.
        return new AnimatedImage(ScaledImageSource.Create(image, size.Width, size.Height), image.EncodedData, options, ownsEncodedData: false);
    }

    private static AnimatedImage Transform(AnimatedImage image, ImageDecodeOptions options)
    {
        if (options.Transformers.Count == 0)
        {
            return image;
        }

        // As above: the transformed source owns the image it wraps, and the new image owns the source on every path.
        try
        {
            return new AnimatedImage(TransformedImageSource.Create(image, options.Transformers), image.EncodedData, options, ownsEncodedData: false);
        }
        catch (ImageKitException e)
        {
            if (e is ImageLimitExceededException limit)
            {
                limit.ByTransformers = true; // the untransformed image passed the limits: the transformed one broke them
            }

            e.SourceName ??= options.SourceName;
            throw;
        }
    }
}
