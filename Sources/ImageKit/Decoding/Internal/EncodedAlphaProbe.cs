using System.Buffers.Binary;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Answers "does the encoding carry transparency?" from the container, for the formats where a codec's alpha type answers
/// a different question: Skia reports a GIF frame as opaque when the frame beneath fills its transparent pixels, and a
/// WebP by its VP8X flag, which files get wrong in both directions. Only headers are read; damaged data ends the scan
/// with what was seen so far.
/// </summary>
internal static class EncodedAlphaProbe
{
    /// <summary>Returns whether the encoding carries transparency, or <see langword="null"/> when this probe does not know the format.</summary>
    public static bool? HasAlpha(ImageFormat format, ReadOnlySpan<byte> data) => format switch
    {
        ImageFormat.Gif => GifHasTransparentIndex(data),
        ImageFormat.WebP => WebPHasAlpha(data),
        _ => null,
    };

    // Any graphic control extension with its transparency flag set.
    private static bool GifHasTransparentIndex(ReadOnlySpan<byte> data)
    {
        if (data.Length < 13)
        {
            return false;
        }

        var offset = 13 + ColorTableSize(data[10]);
        while (offset < data.Length)
        {
            switch (data[offset])
            {
                case 0x21 when offset + 1 < data.Length:
                    var label = data[offset + 1];
                    offset += 2;
                    if (label == 0xF9 && offset + 1 < data.Length && data[offset] >= 4 && (data[offset + 1] & 0x01) != 0)
                    {
                        return true;
                    }

                    offset = SkipSubBlocks(data, offset);
                    break;
                case 0x2C when offset + 10 <= data.Length:
                    offset += 10 + ColorTableSize(data[offset + 9]) + 1; // descriptor, local table, LZW minimum code size
                    offset = SkipSubBlocks(data, offset);
                    break;
                default:
                    return false; // trailer, or damage
            }
        }

        return false;
    }

    private static int ColorTableSize(byte packed) => (packed & 0x80) != 0 ? 3 << ((packed & 0x07) + 1) : 0;

    private static int SkipSubBlocks(ReadOnlySpan<byte> data, int offset)
    {
        while (offset < data.Length)
        {
            var size = data[offset];
            offset += 1 + size;
            if (size == 0)
            {
                break;
            }
        }

        return offset;
    }

    // An ALPH chunk, or a lossless bitstream whose header says its alpha is used, in the image or in any animation frame.
    private static bool WebPHasAlpha(ReadOnlySpan<byte> data) => data.Length >= 12 && ChunksHaveAlpha(data[12..], insideFrame: false);

    // Frames (ANMF) sit at the top level only; their payload holds the frame's image chunks, never another ANMF. Looking
    // one level down and no further keeps hostile nesting (24 bytes a level) from recursing until the stack overflows,
    // which no catch could stop.
    private static bool ChunksHaveAlpha(ReadOnlySpan<byte> chunks, bool insideFrame)
    {
        var offset = 0;
        while (offset + 8 <= chunks.Length)
        {
            var type = chunks.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunks[(offset + 4)..]);
            var available = Math.Min((long)size, chunks.Length - offset - 8);
            var payload = chunks.Slice(offset + 8, (int)available);
            if (type.SequenceEqual("ALPH"u8))
            {
                return true;
            }

            if (type.SequenceEqual("VP8L"u8) && payload.Length >= 5 && payload[0] == 0x2F
                && ((BinaryPrimitives.ReadUInt32LittleEndian(payload[1..]) >> 28) & 1) != 0)
            {
                return true;
            }

            // An ANMF payload is a 16-byte frame header followed by the frame's own chunks.
            if (!insideFrame && type.SequenceEqual("ANMF"u8) && payload.Length > 16 && ChunksHaveAlpha(payload[16..], insideFrame: true))
            {
                return true;
            }

            offset += 8 + (int)Math.Min(size + (size & 1), int.MaxValue - 16);
            if (available < size)
            {
                break;
            }
        }

        return false;
    }
}
