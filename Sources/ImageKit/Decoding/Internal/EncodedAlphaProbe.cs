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
        var blocks = new GifBlockReader(data);
        while (blocks.MoveNext())
        {
            if (IsTransparentGraphicControl(blocks.IsImage, blocks.Label, blocks.Body))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a GIF block (as <see cref="GifBlockReader"/> returns it) is a graphic control extension with its transparency
    /// flag set. Its first sub-block: length (4), packed field (bit 0: transparency), delay, transparent index.
    /// </summary>
    internal static bool IsTransparentGraphicControl(bool isImage, byte label, ReadOnlySpan<byte> body) =>
        !isImage && label == 0xF9 && body.Length >= 2 && body[0] >= 4 && (body[1] & 0x01) != 0;

    // An ALPH chunk, or a lossless bitstream whose header says its alpha is used, in the image or in any animation frame;
    // within the RIFF size, as libwebp reads (bytes after it are no part of the image).
    private static bool WebPHasAlpha(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12)
        {
            return false;
        }

        var end = Math.Min(data.Length, 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]));
        return end > 12 && ChunksHaveAlpha(data[12..(int)end], insideFrame: false);
    }

    // Frames (ANMF) sit at the top level only; their payload holds the frame's image chunks, never another ANMF. Looking
    // one level down and no further keeps hostile nesting (24 bytes a level) from recursing until the stack overflows,
    // which no catch could stop.
    private static bool ChunksHaveAlpha(ReadOnlySpan<byte> chunks, bool insideFrame)
    {
        var reader = new RiffChunkReader(chunks);
        while (reader.MoveNext())
        {
            var type = reader.Type;
            var payload = reader.Payload;
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
        }

        return false;
    }
}
