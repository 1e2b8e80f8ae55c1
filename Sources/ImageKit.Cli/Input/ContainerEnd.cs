using System.Buffers.Binary;
using System.Globalization;
using ImageKit.Cli.Commands;
using ImageKit.Decoding;

namespace ImageKit.Cli.Input;

/// <summary>
/// Whether encoded data reaches the end its container declares: the GIF trailer, the PNG <c>IEND</c> chunk, the size in
/// the WebP RIFF header, the JPEG end-of-image marker. The decoders read a cut-off file as far as it goes (an APNG or
/// animated WebP then has fewer frames, as in browsers, and a GIF cut between two frames is a shorter GIF), which is right
/// for showing it and wrong for <c>inspect</c>, whose job is to say what is in the file.
/// </summary>
internal static class ContainerEnd
{
    /// <summary>
    /// Describes where <paramref name="data"/> ends early, or returns <see langword="null"/> when it is complete, when the
    /// format has no end to check (BMP, ICO), or when its structure is garbage (the decoders' verdict stands then).
    /// </summary>
    /// <param name="data">The whole file.</param>
    /// <param name="format">Its format, as detected.</param>
    /// <param name="completeFrames">How many frames the decoder found (and decoded): the index of a frame that was cut off.</param>
    public static string? FindTruncation(ReadOnlySpan<byte> data, ImageFormat format, int completeFrames)
    {
        var cut = format switch
        {
            ImageFormat.Gif => InGif(data),
            ImageFormat.Png or ImageFormat.Apng => InPng(data),
            ImageFormat.WebP => InWebP(data),
            ImageFormat.Jpeg => InJpeg(data),
            _ => null,
        };
        if (cut is null)
        {
            return null;
        }

        return cut.InFrame
            ? string.Create(CultureInfo.InvariantCulture, $"frame {completeFrames}: the data ends before the frame is complete (truncated file)")
            : $"the data ends before the end of the {InspectCommand.FormatName(format).ToUpperInvariant()} file ({cut.Where}; truncated file)";
    }

    private static Cut? InPng(ReadOnlySpan<byte> data)
    {
        var offset = 8;
        while (true)
        {
            var remaining = data.Length - offset;
            if (remaining == 0)
            {
                return new Cut(false, "no IEND chunk");
            }

            if (remaining < 12)
            {
                return new Cut(false, At("a chunk header", offset));
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var type = System.Text.Encoding.ASCII.GetString(data.Slice(offset + 4, 4));
            if (!type.All(char.IsAsciiLetter) || length > int.MaxValue)
            {
                return null;
            }

            if (type == "IEND")
            {
                return null;
            }

            if (length > (uint)(remaining - 12))
            {
                return new Cut(type is "IDAT" or "fdAT" or "fcTL", At($"the {type} chunk", offset));
            }

            offset += 12 + (int)length;
        }
    }

    /// <summary>
    /// Walks the marker segments from the start-of-image marker: each segment but a scan's data declares its length, so an
    /// EXIF thumbnail's own end marker inside APP1 is skipped with its segment. The end marker counts only after the first
    /// scan; a progressive JPEG has several scans, with tables between them.
    /// </summary>
    private static Cut? InJpeg(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != 0xFF || data[1] != 0xD8)
        {
            return null;
        }

        var offset = 2;
        var scans = 0;
        while (true)
        {
            // Decoders skip stray bytes before a marker, and any number of FF fill bytes.
            var marker = data[offset..].IndexOf((byte)0xFF);
            offset = marker < 0 ? data.Length : offset + marker;
            while (offset + 1 < data.Length && data[offset + 1] == 0xFF)
            {
                offset++;
            }

            if (offset + 1 >= data.Length)
            {
                return new Cut(false, scans == 0 ? "no image data" : "no end-of-image marker");
            }

            var start = offset;
            var code = data[offset + 1];
            offset += 2;
            if (code == 0xD9)
            {
                return null; // the end, or an end before any scan, which the decoder has refused already
            }

            if (code is 0x01 or (>= 0xD0 and <= 0xD8))
            {
                continue; // markers without a length: TEM, restarts, start of image
            }

            if (data.Length - offset < 2)
            {
                return new Cut(false, At($"the {SegmentName(code)} segment", start));
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            if (length < 2)
            {
                return null;
            }

            if (length > data.Length - offset)
            {
                return new Cut(false, At($"the {SegmentName(code)} segment", start));
            }

            offset += length;
            if (code == 0xDA)
            {
                scans++;
                offset = SkipEntropyCodedData(data, offset);
                if (offset < 0)
                {
                    return new Cut(false, At(string.Create(CultureInfo.InvariantCulture, $"scan {scans} of the image data"), start));
                }
            }
        }
    }

    /// <summary>
    /// The offset of the marker that ends a scan's entropy-coded data starting at <paramref name="offset"/>, or -1 when
    /// the data ends first. Inside it, FF 00 is a stuffed FF byte and FF D0–D7 are restart markers; FF FF is fill.
    /// </summary>
    private static int SkipEntropyCodedData(ReadOnlySpan<byte> data, int offset)
    {
        while (true)
        {
            var next = data[offset..].IndexOf((byte)0xFF);
            if (next < 0)
            {
                return -1;
            }

            offset += next;
            if (offset + 1 >= data.Length)
            {
                return -1;
            }

            var code = data[offset + 1];
            if (code is 0x00 or (>= 0xD0 and <= 0xD7))
            {
                offset += 2;
            }
            else if (code == 0xFF)
            {
                offset++;
            }
            else
            {
                return offset;
            }
        }
    }

    private static string SegmentName(byte code) => code switch
    {
        0xC4 => "DHT",
        0xCC => "DAC",
        >= 0xC0 and <= 0xCF => string.Create(CultureInfo.InvariantCulture, $"SOF{code - 0xC0}"),
        0xDA => "SOS",
        0xDB => "DQT",
        0xDD => "DRI",
        >= 0xE0 and <= 0xEF => string.Create(CultureInfo.InvariantCulture, $"APP{code - 0xE0}"),
        0xFE => "COM",
        _ => string.Create(CultureInfo.InvariantCulture, $"FF{code:X2}"),
    };

    private static Cut? InWebP(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12)
        {
            return null;
        }

        var declared = 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        long offset = 12;
        while (offset < Math.Min(declared, data.Length))
        {
            if (data.Length - offset < 8)
            {
                return new Cut(false, At("a chunk header", offset));
            }

            var fourCc = System.Text.Encoding.ASCII.GetString(data.Slice((int)offset, 4));
            var size = BinaryPrimitives.ReadUInt32LittleEndian(data[((int)offset + 4)..]);
            if (offset + 8 + size > data.Length)
            {
                return new Cut(fourCc is "ANMF" or "VP8 " or "VP8L" or "ALPH", At($"the {fourCc.TrimEnd()} chunk", offset));
            }

            offset += 8 + size + (size & 1);
        }

        return declared > data.Length ? new Cut(false, $"the RIFF header declares {declared:N0} bytes, {data.Length:N0} are present") : null;
    }

    private static Cut? InGif(ReadOnlySpan<byte> data)
    {
        if (data.Length < 13)
        {
            return null;
        }

        var offset = 13 + ColorTableLength(data[10]);
        while (true)
        {
            if (offset >= data.Length)
            {
                return new Cut(false, "no trailer");
            }

            var start = offset;
            switch (data[offset])
            {
                case 0x3B:
                    return null;
                case 0x21 when offset + 1 < data.Length:
                    // A graphic control extension belongs to the frame that follows it.
                    var label = data[offset + 1];
                    offset = SkipSubBlocks(data, offset + 2);
                    if (offset < 0)
                    {
                        return new Cut(label == 0xF9, At("an extension block", start));
                    }

                    break;
                case 0x2C:
                    offset = offset + 10 <= data.Length ? SkipSubBlocks(data, offset + 10 + ColorTableLength(data[offset + 9]) + 1) : -1;
                    if (offset < 0)
                    {
                        return new Cut(true, At("an image", start));
                    }

                    break;
                default:
                    return offset + 1 == data.Length ? new Cut(false, At("a block", start)) : null;
            }
        }
    }

    private static int ColorTableLength(byte flags) => (flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0;

    /// <summary>The offset after the sub-blocks starting at <paramref name="offset"/>, or -1 when the data ends inside them.</summary>
    private static int SkipSubBlocks(ReadOnlySpan<byte> data, int offset)
    {
        while (offset < data.Length)
        {
            var size = data[offset];
            offset += 1 + size;
            if (size == 0)
            {
                return offset;
            }
        }

        return -1;
    }

    private static string At(string what, long offset) => string.Create(CultureInfo.InvariantCulture, $"it ends inside {what} at byte {offset:N0}");

    private sealed record Cut(bool InFrame, string Where);
}
