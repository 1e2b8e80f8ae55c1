using System.Buffers.Binary;
using System.Text;

namespace ImageKit.Decoding;

/// <summary>
/// Recognises an encoded image format from its magic bytes. File extensions and Content-Type headers are never consulted:
/// they lie too often.
/// </summary>
public static class ImageFormatDetector
{
    /// <summary>
    /// The number of leading bytes that is enough to tell every format apart except PNG from APNG, which needs the chunks
    /// up to the first <c>IDAT</c> (<see cref="Detect"/> reads as far as the data it is given goes).
    /// </summary>
    public const int HeaderSize = 16;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Detects the format of <paramref name="data"/>.</summary>
    /// <param name="data">The encoded image, or at least its first bytes; for PNG, everything up to the first <c>IDAT</c>.</param>
    /// <returns>The format, or <see cref="ImageFormat.Unknown"/> when no known signature matches.</returns>
    public static ImageFormat Detect(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 6 && data[..4].SequenceEqual("GIF8"u8) && (data[4] == '7' || data[4] == '9') && data[5] == 'a')
        {
            return ImageFormat.Gif;
        }

        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }

        if (data.StartsWith(PngSignature))
        {
            return HasAnimationControlBeforeImageData(data) ? ImageFormat.Apng : ImageFormat.Png;
        }

        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ImageFormat.Jpeg;
        }

        if (IsBmp(data))
        {
            return ImageFormat.Bmp;
        }

        if (IsIco(data))
        {
            return ImageFormat.Ico;
        }

        return IsoMediaImage(data);
    }

    // An ISO base media file ("ftyp" box first) whose brands say HEIF or AVIF. The major brand is in the first 16 bytes;
    // the generic HEIF brands (mif1, msf1) name the codec among the compatible brands that follow, when the data goes
    // that far. MP4 video and the rest stay unknown.
    private static ImageFormat IsoMediaImage(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12 || !data.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return ImageFormat.Unknown;
        }

        var major = data.Slice(8, 4);
        if (major.SequenceEqual("avif"u8) || major.SequenceEqual("avis"u8))
        {
            return ImageFormat.Avif;
        }

        if (IsHeifBrand(major))
        {
            return ImageFormat.Heif;
        }

        if (!major.SequenceEqual("mif1"u8) && !major.SequenceEqual("msf1"u8))
        {
            return ImageFormat.Unknown;
        }

        var boxEnd = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data), (uint)data.Length);
        for (var brand = 16; brand + 4 <= boxEnd; brand += 4)
        {
            var compatible = data.Slice(brand, 4);
            if (compatible.SequenceEqual("avif"u8) || compatible.SequenceEqual("avis"u8))
            {
                return ImageFormat.Avif;
            }
        }

        return ImageFormat.Heif; // the generic brands are HEIF's own
    }

    private static bool IsHeifBrand(ReadOnlySpan<byte> brand) =>
        brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("heim"u8) || brand.SequenceEqual("heis"u8)
        || brand.SequenceEqual("hevc"u8) || brand.SequenceEqual("hevx"u8) || brand.SequenceEqual("hevm"u8) || brand.SequenceEqual("hevs"u8);

    /// <summary>
    /// Describes data that is not a recognised image in a few words, for error messages: what its first bytes are and, for
    /// common mistakes (an HTML error page, JSON, an empty body), what it looks like.
    /// </summary>
    /// <param name="data">The data, or at least its first <see cref="HeaderSize"/> bytes.</param>
    public static string DescribeUnrecognized(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return "the data is empty (0 bytes)";
        }

        var head = data[..Math.Min(data.Length, 8)];
        var hex = Convert.ToHexString(head);
        var spaced = new StringBuilder(hex.Length + head.Length);
        for (var i = 0; i < hex.Length; i += 2)
        {
            if (i > 0)
            {
                spaced.Append(' ');
            }

            spaced.Append(hex, i, 2);
        }

        var guess = GuessNonImage(data);
        var prefix = $"not a recognised image format (GIF, WebP, PNG, APNG, JPEG, BMP, ICO): first bytes {spaced} \"{Printable(head)}\"";
        return guess is null ? prefix : $"{prefix}, which looks like {guess}";
    }

    private static string? GuessNonImage(ReadOnlySpan<byte> data)
    {
        var trimmed = data;
        if (trimmed.StartsWith("\uFEFF"u8))
        {
            trimmed = trimmed[3..];
        }

        while (!trimmed.IsEmpty && (trimmed[0] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            trimmed = trimmed[1..];
        }

        if (trimmed.IsEmpty)
        {
            return "blank text";
        }

        var start = trimmed[..Math.Min(trimmed.Length, 15)];
        var text = Encoding.ASCII.GetString(start).ToUpperInvariant();
        if (text.StartsWith("<!DOCTYPE HTML", StringComparison.Ordinal) || text.StartsWith("<HTML", StringComparison.Ordinal))
        {
            return "an HTML page";
        }

        if (text.StartsWith("<?XML", StringComparison.Ordinal) || text.StartsWith("<SVG", StringComparison.Ordinal))
        {
            return "XML or SVG text (SVG is not supported)";
        }

        if (trimmed[0] is (byte)'{' or (byte)'[')
        {
            return "JSON";
        }

        if (text.StartsWith("%PDF", StringComparison.Ordinal))
        {
            return "a PDF document";
        }

        if (data.Length >= 12 && data.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return "an ISO media file that is neither HEIF nor AVIF (a video?), which is not supported";
        }

        if (data.Length >= 4 && data[..4].SequenceEqual("RIFF"u8))
        {
            return "a RIFF container that is not WebP";
        }

        return GuessOtherImageOrArchive(data);
    }

    // Image formats no decoder here reads, and compressed data: each named, so that the error says what to do (convert
    // the image; or, for gzip, that a server compressed the body without a Content-Encoding to say so).
    private static string? GuessOtherImageOrArchive(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8) || data.StartsWith("II+\0"u8) || data.StartsWith("MM\0+"u8))
        {
            return "a TIFF image (TIFF is not supported)";
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0x0A]) || data.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0x00, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' ']))
        {
            return "a JPEG XL image (JPEG XL is not supported)";
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0x4F, 0xFF, 0x51]) || data.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0x00, 0x0C, (byte)'j', (byte)'P', (byte)' ', (byte)' ']))
        {
            return "a JPEG 2000 image (JPEG 2000 is not supported)";
        }

        if (data.StartsWith("8BPS"u8))
        {
            return "a Photoshop document (PSD is not supported)";
        }

        if (data.StartsWith("qoif"u8))
        {
            return "a QOI image (QOI is not supported)";
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return "gzip-compressed data (a server that compressed the body without saying so in Content-Encoding?)";
        }

        if (data.StartsWith("PK\u0003\u0004"u8))
        {
            return "a ZIP archive";
        }

        return null;
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            chars[i] = b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\' ? (char)b : '.';
        }

        return new string(chars);
    }

    private static bool HasAnimationControlBeforeImageData(ReadOnlySpan<byte> data)
    {
        var offset = PngSignature.Length;
        while (offset + 8 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var type = data.Slice(offset + 4, 4);
            if (type.SequenceEqual("acTL"u8))
            {
                return true;
            }

            if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8))
            {
                return false;
            }

            // length + type + data + CRC; a length past the end stops the scan (the decoder reports the damage).
            var next = (long)offset + 12 + length;
            if (length > int.MaxValue || next > data.Length)
            {
                return false;
            }

            offset = (int)next;
        }

        return false;
    }

    private static bool IsBmp(ReadOnlySpan<byte> data)
    {
        if (data.Length < 18 || data[0] != 'B' || data[1] != 'M')
        {
            return false;
        }

        // The DIB header size tells the BMP variants apart and rules out text that merely starts with "BM".
        var dibHeaderSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        return dibHeaderSize is 12 or 16 or 40 or 52 or 56 or 64 or 108 or 124;
    }

    private static bool IsIco(ReadOnlySpan<byte> data)
    {
        if (data.Length < 6 || data[0] != 0 || data[1] != 0 || data[2] != 1 || data[3] != 0)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        return count > 0;
    }
}
