using System.Buffers.Binary;
using SkiaSharp;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// Builds a JPEG that carries an EXIF thumbnail, as cameras and phones write them: right after the start-of-image marker,
/// an APP1 "Exif" segment whose IFD1 points at a small JPEG of its own (with its own start- and end-of-image markers),
/// then the main image's segments and scan.
/// </summary>
internal static class ExifThumbnailJpeg
{
    /// <summary>Returns <paramref name="jpeg"/> with an APP1 Exif segment holding an 8×8 JPEG thumbnail inserted after its SOI.</summary>
    public static byte[] AddThumbnail(byte[] jpeg)
    {
        var thumbnail = EncodeThumbnail();

        // TIFF, big-endian: header (8 bytes), IFD0 with an orientation (18), IFD1 with the thumbnail's place (42).
        const int ifd0 = 8;
        const int ifd1 = ifd0 + 2 + 12 + 4;
        const int thumbnailAt = ifd1 + 2 + (3 * 12) + 4;
        var tiff = new byte[thumbnailAt + thumbnail.Length];
        "MM\0*"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), ifd0);
        WriteIfd(tiff.AsSpan(ifd0), ifd1, [(0x0112, 3, 1)]); // Orientation: 1 (as stored)
        WriteIfd(tiff.AsSpan(ifd1), 0, [(0x0103, 3, 6), (0x0201, 4, thumbnailAt), (0x0202, 4, (uint)thumbnail.Length)]);
        thumbnail.CopyTo(tiff.AsSpan(thumbnailAt));

        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), checked((ushort)(2 + payload.Length)));
        payload.CopyTo(segment.AsSpan(4));
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    /// <summary>Where the first start-of-scan marker (FF DA) after the segments in front of it starts.</summary>
    public static int StartOfScan(byte[] jpeg)
    {
        var offset = 2;
        while (jpeg[offset + 1] != 0xDA)
        {
            offset += 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(offset + 2));
        }

        return offset;
    }

    private static byte[] EncodeThumbnail()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(SKColors.Teal);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 80);
        return data.ToArray();
    }

    private static void WriteIfd(Span<byte> ifd, uint next, (ushort Tag, ushort Type, uint Value)[] entries)
    {
        BinaryPrimitives.WriteUInt16BigEndian(ifd, (ushort)entries.Length);
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = ifd[(2 + (12 * i))..];
            BinaryPrimitives.WriteUInt16BigEndian(entry, entries[i].Tag);
            BinaryPrimitives.WriteUInt16BigEndian(entry[2..], entries[i].Type);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], 1);
            if (entries[i].Type == 3)
            {
                BinaryPrimitives.WriteUInt16BigEndian(entry[8..], (ushort)entries[i].Value); // a SHORT sits left-aligned
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(entry[8..], entries[i].Value);
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(ifd[(2 + (12 * entries.Length))..], next);
    }
}
