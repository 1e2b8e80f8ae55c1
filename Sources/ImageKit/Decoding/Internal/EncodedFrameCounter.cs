using System.Buffers.Binary;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Counts an animation's frames from its container's block and chunk headers, before any codec reads it: Skia answers a
/// frame count by parsing the whole file and keeping a record of every frame (and WebP's demuxer indexes them all when the
/// codec opens), so a small file of a million tiny frames would cost seconds and hundreds of megabytes before
/// <see cref="DecodingLimits.MaxFrameCount"/> refused it. The count stops as soon as it passes the limit it is given, and
/// at damaged or truncated data (the decoder reports the damage). A frame counts only once its header is whole, as the
/// codecs count it, so nothing the limit allows is refused. Allocates nothing.
/// </summary>
internal static class EncodedFrameCounter
{
    private const int AnmfHeaderBytes = 16; // position, size, duration, flags

    /// <summary>
    /// The frames the data holds, counted up to one past <paramref name="limit"/> at most; <see langword="null"/> for a
    /// format this counter does not know (its codec counts cheaply, or another decoder checks it).
    /// </summary>
    public static int? CountUpTo(ImageFormat format, ReadOnlySpan<byte> data, int limit) => format switch
    {
        ImageFormat.Gif => CountGifImages(data, limit),
        ImageFormat.WebP => CountWebPFrames(data, limit),
        _ => null,
    };

    // Image descriptors whose pixel data a decoder reaches (Skia counts a frame from there).
    private static int CountGifImages(ReadOnlySpan<byte> data, int limit)
    {
        var count = 0;
        var blocks = new GifBlockReader(data);
        while (count <= limit && blocks.MoveNext())
        {
            if (blocks.IsImage && blocks.ReachesImageData)
            {
                count++;
            }
        }

        return count;
    }

    // Whole ANMF chunks at the top level of the RIFF container that hold an image (libwebp reads no further than the RIFF
    // size says, reports complete frames only, and drops a frame without an image). A still WebP has none and counts as one
    // frame.
    private static int CountWebPFrames(ReadOnlySpan<byte> data, int limit)
    {
        if (data.Length < 12)
        {
            return 0;
        }

        var end = Math.Min(data.Length, 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]));
        var count = 0;
        var chunks = new RiffChunkReader(end > 12 ? data[12..(int)end] : []);
        while (count <= limit && chunks.MoveNext())
        {
            if (chunks.IsComplete && chunks.Type.SequenceEqual("ANMF"u8) && HoldsImage(chunks.Payload))
            {
                count++;
            }
        }

        return Math.Max(count, 1);
    }

    // As libwebp's demuxer reads a frame: after the 16-byte frame header, an optional ALPH chunk, then the VP8 or VP8L
    // bitstream. A frame whose chunks start with anything else has no image: the demuxer drops it without counting it.
    internal static bool HoldsImage(ReadOnlySpan<byte> anmfPayload)
    {
        if (anmfPayload.Length <= AnmfHeaderBytes)
        {
            return false;
        }

        var chunks = new RiffChunkReader(anmfPayload[AnmfHeaderBytes..]);
        if (!chunks.MoveNext())
        {
            return false;
        }

        if (chunks.Type.SequenceEqual("ALPH"u8) && !chunks.MoveNext())
        {
            return false;
        }

        return chunks.Type.SequenceEqual("VP8 "u8) || chunks.Type.SequenceEqual("VP8L"u8);
    }
}
