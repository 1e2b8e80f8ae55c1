using System.Buffers.Binary;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// The bytes a codec needs to decode an animation's first frame, for a first-frame-only decode: Skia's GIF codec parses the
/// whole file to count its frames, and WebP's demuxer indexes every frame on opening (then Skia looks each one up from the
/// start of that index), so a file of a million tiny frames took seconds to minutes for one frame.
/// </summary>
/// <remarks>
/// A GIF's excerpt is everything up to the end of frame 0's image data, then every application extension after it (the
/// NETSCAPE2.0 loop count may come after the first frame), then the trailer. A WebP's is its RIFF header with the size
/// rewritten, the chunks before the first ANMF, that ANMF, and every whole chunk after it that is not a frame (EXIF, XMP).
/// There is none (the codec reads the data whole, as before) for a file of one frame and wherever the walk cannot find
/// the first frame's end (damage, which the codec then reports as before).
/// </remarks>
internal static class FirstFrameExcerpt
{
    private const byte GifTrailer = 0x3B;
    private const byte GraphicControlLabel = 0xF9;
    private const byte ApplicationLabel = 0xFF;

    /// <summary>The excerpt's length, or -1 when the codec is to read the data whole.</summary>
    public static int Measure(ImageFormat format, ReadOnlySpan<byte> data) => Write(format, data, []);

    /// <summary>
    /// Writes the excerpt into <paramref name="destination"/> (as long as <see cref="Measure"/> said, or empty to measure
    /// only) and returns its length, or -1 when the codec is to read the data whole.
    /// </summary>
    public static int Write(ImageFormat format, ReadOnlySpan<byte> data, Span<byte> destination) => format switch
    {
        // Only animations: a still's excerpt would leave out nothing a codec parses, and would drop a WebP's EXIF.
        ImageFormat.Gif when EncodedFrameCounter.CountUpTo(format, data, 1) > 1 => Gif(data, destination),
        ImageFormat.WebP when EncodedFrameCounter.CountUpTo(format, data, 1) > 1 => WebP(data, destination),
        _ => -1,
    };

    private static int Gif(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var blocks = new GifBlockReader(data);
        var frameEnd = -1;
        while (blocks.MoveNext())
        {
            if (blocks.IsImage)
            {
                frameEnd = blocks.IsComplete ? blocks.End : -1;
                break;
            }

            // Skia reads four bytes of a graphic control extension whatever length it declares: the walk and the codec
            // would part ways there.
            if (blocks.Label == GraphicControlLabel && (blocks.Body.IsEmpty || blocks.Body[0] < 4))
            {
                return -1;
            }
        }

        if (frameEnd < 0)
        {
            return -1;
        }

        var length = Append(data[..frameEnd], destination, 0);
        var ended = true;
        while (blocks.MoveNext())
        {
            if (!blocks.IsImage && blocks.Label == ApplicationLabel)
            {
                length = Append(data[blocks.Start..Math.Min(blocks.End, data.Length)], destination, length);
                ended = blocks.IsComplete; // a cut-off extension is the last block, and ends the excerpt as it ends the data
            }
        }

        return ended ? Append([GifTrailer], destination, length) : length;
    }

    private static int WebP(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var riffEnd = Math.Min(data.Length, 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]));
        var run = data[12..(int)riffEnd]; // the frame counter found an ANMF: the header is whole
        var length = Append(data[..12], destination, 0);
        var chunks = new RiffChunkReader(run);
        var seenFrame = false;
        while (chunks.MoveNext())
        {
            if (!chunks.IsComplete)
            {
                if (!seenFrame)
                {
                    return -1;
                }

                break; // a cut-off chunk after the first frame: the codec would not read it either
            }

            var isFrame = chunks.Type.SequenceEqual("ANMF"u8);
            if (isFrame && seenFrame)
            {
                continue;
            }

            seenFrame |= isFrame;
            length = Append(run[chunks.Start..Math.Min(chunks.End, run.Length)], destination, length);
        }

        if (!seenFrame)
        {
            return -1;
        }

        if (!destination.IsEmpty)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)(length - 8));
        }

        return length;
    }

    private static int Append(ReadOnlySpan<byte> bytes, Span<byte> destination, int length)
    {
        if (!destination.IsEmpty)
        {
            bytes.CopyTo(destination[length..]);
        }

        return length + bytes.Length;
    }
}
