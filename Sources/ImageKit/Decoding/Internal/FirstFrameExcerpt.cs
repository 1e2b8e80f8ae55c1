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
/// the first frame's end (damage, which the codec then reports as before). The data is walked once: <see cref="Plan"/>
/// records which pieces to keep, <see cref="Write"/> copies them; a GIF's walk, which visits every block anyway, also
/// answers <see cref="EncodedAlphaProbe"/>'s question, so that a huge file is not walked again for it.
/// </remarks>
internal sealed class FirstFrameExcerpt
{
    private const byte GifTrailer = 0x3B;
    private const byte ApplicationLabel = 0xFF;
    private const int RiffHeaderBytes = 12;

    private readonly List<Range> _pieces; // ranges of the data, in order
    private readonly bool _endsWithGifTrailer;
    private readonly bool _isWebP; // the pieces follow a RIFF header whose size is rewritten

    private FirstFrameExcerpt(List<Range> pieces, int length, bool endsWithGifTrailer, bool isWebP, bool? hasAlpha)
    {
        _pieces = pieces;
        Length = length;
        _endsWithGifTrailer = endsWithGifTrailer;
        _isWebP = isWebP;
        HasAlpha = hasAlpha;
    }

    /// <summary>The excerpt's length in bytes.</summary>
    public int Length { get; }

    /// <summary>
    /// <see cref="EncodedAlphaProbe.HasAlpha"/>'s answer for the whole data when the walk found it on the way (a GIF's), or
    /// <see langword="null"/> when the probe is still to be asked.
    /// </summary>
    public bool? HasAlpha { get; }

    /// <summary>The excerpt of the data, or <see langword="null"/> when the codec is to read the data whole.</summary>
    public static FirstFrameExcerpt? Plan(ImageFormat format, ReadOnlySpan<byte> data) => format switch
    {
        // Only animations: a still's excerpt would leave out nothing a codec parses, and would drop a WebP's EXIF.
        ImageFormat.Gif when EncodedFrameCounter.CountUpTo(format, data, 1) > 1 => PlanGif(data),
        ImageFormat.WebP when EncodedFrameCounter.CountUpTo(format, data, 1) > 1 => PlanWebP(data),
        _ => null,
    };

    /// <summary>Writes the excerpt of <paramref name="data"/> (the data it was planned on) into <see cref="Length"/> bytes.</summary>
    public void Write(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var length = _isWebP ? RiffHeaderBytes : 0;
        if (_isWebP)
        {
            data[..RiffHeaderBytes].CopyTo(destination);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)(Length - 8));
        }

        foreach (var piece in _pieces)
        {
            var bytes = data[piece];
            bytes.CopyTo(destination[length..]);
            length += bytes.Length;
        }

        if (_endsWithGifTrailer)
        {
            destination[length++] = GifTrailer;
        }

        if (length != Length)
        {
            throw new InvalidOperationException("The excerpt was planned on other data.");
        }
    }

    private static FirstFrameExcerpt? PlanGif(ReadOnlySpan<byte> data)
    {
        var blocks = new GifBlockReader(data);
        var frameEnd = -1;
        var hasAlpha = false;
        while (blocks.MoveNext())
        {
            if (blocks.IsImage)
            {
                frameEnd = blocks.IsComplete ? blocks.End : -1;
                break;
            }

            hasAlpha |= EncodedAlphaProbe.IsTransparentGraphicControl(blocks.IsImage, blocks.Label, blocks.Body);
        }

        if (frameEnd < 0)
        {
            return null;
        }

        List<Range> pieces = [0..frameEnd];
        var length = frameEnd;
        var ended = true;
        while (blocks.MoveNext())
        {
            hasAlpha |= EncodedAlphaProbe.IsTransparentGraphicControl(blocks.IsImage, blocks.Label, blocks.Body);
            if (!blocks.IsImage && blocks.Label == ApplicationLabel)
            {
                var end = Math.Min(blocks.End, data.Length);
                Add(pieces, blocks.Start, end);
                length += end - blocks.Start;
                ended = blocks.IsComplete; // a cut-off extension is the last block, and ends the excerpt as it ends the data
            }
        }

        return new FirstFrameExcerpt(pieces, ended ? length + 1 : length, endsWithGifTrailer: ended, isWebP: false, hasAlpha);
    }

    private static FirstFrameExcerpt? PlanWebP(ReadOnlySpan<byte> data)
    {
        var riffEnd = (int)Math.Min(data.Length, 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]));
        var run = data[RiffHeaderBytes..riffEnd]; // the frame counter found an ANMF: the header is whole
        List<Range> pieces = [];
        var length = RiffHeaderBytes;
        var chunks = new RiffChunkReader(run);
        var seenFrame = false;
        while (chunks.MoveNext())
        {
            if (!chunks.IsComplete)
            {
                if (!seenFrame)
                {
                    return null;
                }

                break; // a cut-off chunk after the first frame: the codec would not read it either
            }

            var isFrame = chunks.Type.SequenceEqual("ANMF"u8);
            if (isFrame && seenFrame)
            {
                continue;
            }

            // An ANMF that holds no image is no frame (libwebp's demuxer drops it, EncodedFrameCounter does not count it):
            // kept, as the demuxer skips it, but the excerpt goes on to the first frame that holds one.
            seenFrame |= isFrame && EncodedFrameCounter.HoldsImage(chunks.Payload);
            var start = RiffHeaderBytes + chunks.Start;
            var end = RiffHeaderBytes + Math.Min(chunks.End, run.Length);
            Add(pieces, start, end);
            length += end - start;
        }

        return seenFrame ? new FirstFrameExcerpt(pieces, length, endsWithGifTrailer: false, isWebP: true, hasAlpha: null) : null;
    }

    // Pieces that follow each other are kept as one, so that a run of chunks or extensions costs one range.
    private static void Add(List<Range> pieces, int start, int end)
    {
        if (pieces.Count > 0 && pieces[^1].End.Value == start)
        {
            pieces[^1] = pieces[^1].Start..end;
            return;
        }

        pieces.Add(start..end);
    }
}
