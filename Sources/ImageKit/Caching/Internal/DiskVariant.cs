using System.Buffers.Binary;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Caching.Internal;

/// <summary>
/// A transformed still or a thumbnail kept on disk beside its original, so that a later load (another launch) decodes the
/// small result instead of decoding, shrinking and transforming the original again: what SDWebImage, Kingfisher and Nuke
/// store for processed and thumbnail images. Only stills: an animation would need an animated encoder, which Skia does
/// not have, and its frames are transformed as they are shown anyway.
/// </summary>
/// <remarks>
/// <para>
/// The entry's key is the variant's memory key (the cache key plus every decode option that changes the result), its
/// bytes a lossless WebP of the result's pixels (exact for opaque pixels; premultiplied edges round-trip within one level),
/// its metadata the original's plus a header in <see cref="DiskCacheMetadata.ExtendedData"/>: the original's format,
/// applied EXIF orientation and alpha, and the length and checksum of the original bytes it was made from.
/// </para>
/// <para>
/// A result is only used with the bytes it was made from: a variant whose original is gone, expired, or replaced by
/// other bytes (a refresh, a store by the app) is removed and made again. So removing or refreshing an original never
/// needs to find its variants, whose keys the index cannot list.
/// </para>
/// </remarks>
internal static class DiskVariant
{
    private const int HeaderLength = 23;

    // See WorthStoring.
    private const long MaxPixelsToOriginal = 2;

    // The widest and tallest image WebP holds (14-bit sides): a larger result has no encoding, so it is not stored.
    private const int MaxWebPSide = 16383;

    // Lossless WebP's effort (0–100): the size gained above this is a few percent, the time several times longer.
    private const int LosslessEffort = 25;

    private static ReadOnlySpan<byte> Magic => "IKV1"u8;

    /// <summary>
    /// Whether loads with <paramref name="options"/> may have a stored variant: they transform or ask for a thumbnail.
    /// (Scale-down to a pixel limit does not: its results are large, so encoding them costs more than it could save.)
    /// </summary>
    public static bool Applies(ImageDecodeOptions? options) => options is { Transformers.Count: > 0 } or { ThumbnailPixelSize.IsEmpty: false };

    /// <summary>The variant's disk key.</summary>
    public static string KeyFor(string key, ImageDecodeOptions options) => MemoryCacheKey.For(key, options);

    /// <summary>
    /// Whether storing <paramref name="still"/> beside an original of <paramref name="originalSize"/> bytes can pay: its
    /// pixels take at most twice the original's encoded bytes (lossless WebP keeps photos at about half their pixels).
    /// A small result of a large original (an avatar, a thumbnail) is stored; a full-size result of a compressed photo
    /// (grayscale, blur) is not, as it would take several times the original's space and decode no faster than the
    /// original and its transform. Nor is a result with a side longer than WebP allows (16,383 pixels), which has no
    /// encoding.
    /// </summary>
    public static bool WorthStoring(AnimatedImage still, long originalSize) =>
        !still.IsAnimated && still.PixelWidth <= MaxWebPSide && still.PixelHeight <= MaxWebPSide
        && (long)still.PixelWidth * still.PixelHeight * 4 <= MaxPixelsToOriginal * originalSize;

    /// <summary>The length and checksum that name <paramref name="original"/>, as the disk cache records them.</summary>
    public static (long Size, long Checksum) Identify(ReadOnlySpan<byte> original) => (original.Length, BlobStore.Checksum(original));

    /// <summary>
    /// Encodes <paramref name="still"/>, made from the original bytes <paramref name="original"/> names, with the
    /// original's <paramref name="metadata"/>; <see langword="null"/> for an animation, or when the result is not
    /// <see cref="WorthStoring"/> or encodes larger than the original.
    /// </summary>
    public static (byte[] Data, DiskCacheMetadata Metadata)? Encode(AnimatedImage still, (long Size, long Checksum) original, DiskCacheMetadata? metadata)
    {
        if (!WorthStoring(still, original.Size))
        {
            return null;
        }

        byte[] data;
        using (var frame = still.GetFrame(0))
        {
            // Encoded as opaque only when every pixel is: HasAlpha says whether the encoding carries transparency, and a
            // GIF without a transparent colour whose image does not cover its canvas has transparent pixels all the same
            // (and edges that scaling blended with them). Told they were opaque, the encoder took their premultiplied
            // colours for straight ones: a disk hit showed those edges darker than the load that stored them.
            var opaque = !still.HasAlpha && IsOpaque(frame);
            var info = new SKImageInfo(frame.Width, frame.Height, SKColorType.Bgra8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Premul);
            using var pixmap = new SKPixmap(info, frame.Buffer.Address, frame.RowBytes);
            using var encoded = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, LosslessEffort))
                ?? throw new ImageKitException("Skia could not encode the transformed image as WebP.");
            data = encoded.ToArray();
            GC.KeepAlive(frame);
        }

        if (data.Length > original.Size)
        {
            return null; // larger than what it was made from: decoding it would save nothing
        }

        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        header[4] = (byte)still.Format;
        header[5] = (byte)still.AppliedExifOrientation;
        header[6] = still.HasAlpha ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(7), original.Size);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(15), original.Checksum);
        return (data, (metadata ?? DiskCacheMetadata.Empty) with { ExtendedData = header });
    }

    // Whether every pixel of the frame (32-bit, alpha in the top byte of each little-endian word) has full alpha.
    private static bool IsOpaque(ImageFrame frame)
    {
        var alpha = new System.Numerics.Vector<uint>(0xFF000000u);
        var pixels = frame.Pixels;
        for (var y = 0; y < frame.Height; y++)
        {
            var row = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(pixels.Slice(y * frame.RowBytes, frame.Width * 4));
            var x = 0;
            for (; x <= row.Length - System.Numerics.Vector<uint>.Count; x += System.Numerics.Vector<uint>.Count)
            {
                if (!System.Numerics.Vector.EqualsAll(new System.Numerics.Vector<uint>(row[x..]) & alpha, alpha))
                {
                    return false;
                }
            }

            for (; x < row.Length; x++)
            {
                if ((row[x] & 0xFF000000u) != 0xFF000000u)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Decodes a stored variant made from the original bytes <paramref name="original"/> names, as the pixels-only still
    /// a fresh transform would have put in the memory cache; <see langword="null"/> when <paramref name="entry"/> is not a
    /// variant of those bytes or does not decode (the caller removes it). The entry is input like any other (another
    /// process, or a load under higher limits, stored it), so it is held to <paramref name="limits"/>, the query's.
    /// </summary>
    /// <exception cref="ImageLimitExceededException">The stored result exceeds <paramref name="limits"/>.</exception>
    public static AnimatedImage? Decode(DiskCacheEntry entry, (long Size, long Checksum) original, string sourceName, DecodingLimits limits)
    {
        var header = entry.Metadata.ExtendedData;
        if (header is not { Length: HeaderLength }
            || !header.AsSpan(0, 4).SequenceEqual(Magic)
            || !Enum.IsDefined((ImageFormat)header[4])
            || header[5] > 8
            || header[6] > 1
            || BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(7)) != original.Size
            || BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(15)) != original.Checksum)
        {
            return null;
        }

        AnimatedImage decoded;
        try
        {
            decoded = ImageDecoderRegistry.Default.Decode(entry.Data, new ImageDecodeOptions { SourceName = sourceName, Orientation = ExifOrientationPolicy.Ignore, Limits = limits });
        }
        catch (ImageKitException e) when (e is not ImageLimitExceededException)
        {
            return null;
        }

        using (decoded)
        {
            if (decoded.IsAnimated || decoded.Format != ImageFormat.WebP)
            {
                return null;
            }

            PixelBuffer pixels;
            try
            {
                using var frame = decoded.GetFrame(0);
                pixels = frame.Buffer;
                pixels.AddReference();
            }
            catch (ImageDecodingException)
            {
                return null; // headers that decode over pixels that do not: a damaged entry
            }

            var source = new RetainedPixelsSource(pixels, (ImageFormat)header[4], decoded.PixelWidth, decoded.PixelHeight, header[6] == 1, header[5]);
            return new AnimatedImage(source, ReadOnlyMemory<byte>.Empty, new ImageDecodeOptions { SourceName = sourceName, Limits = StillVariant.AlreadyChecked });
        }
    }
}
