using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace ImageKit.Decoding.Apng;

/// <summary>
/// Reads the chunk structure of an APNG once and decides what the file is: a valid animation (an
/// <see cref="ApngContainer"/>), a file that browsers show as a plain PNG because its animation control is unusable
/// (<see langword="null"/>: a missing, damaged, repeated or late acTL, or one declaring no frames), or a broken animation
/// or PNG (an <see cref="ImageDecodingException"/>: sequence errors, frames without data, regions off the canvas,
/// truncation, damaged critical chunks).
/// </summary>
internal sealed partial class ApngReader
{
    private readonly DecodingLimits _limits;
    private readonly bool _firstFrameOnly;
    private readonly ArrayBufferWriter<byte> _frameChunks = new();
    private byte[] _header = [];
    private int _width;
    private int _height;
    private bool _hasAlpha;
    private bool _seenIdat;
    private bool _idatEnded;
    private bool _seenActl;
    private bool _animationIgnored;
    private bool _framesFollow;
    private bool _reachedEnd;
    private int _declaredFrames;
    private int _loopCount;
    private string? _truncation;

    private ApngReader(DecodingLimits limits, bool firstFrameOnly)
    {
        _limits = limits;
        _firstFrameOnly = firstFrameOnly;
    }

    /// <summary>
    /// Parses <paramref name="data"/>; see the type's summary for the three outcomes. With <paramref name="firstFrameOnly"/>
    /// the file is read and checked up to the end of frame 0's data (the fcTL of frame 1) and no further, the limits count
    /// one frame, and the container keeps frame 0 alone: nothing after frame 0's data changes it (the chunks that describe
    /// its pixels, and the acTL, come before the image data), so later frames that are broken, or missing although the
    /// acTL declares them, do not fail it.
    /// </summary>
    /// <exception cref="ImageDecodingException">The PNG or its animation is broken, or a limit is exceeded.</exception>
    public static ApngContainer? Read(ReadOnlySpan<byte> data, DecodingLimits limits, bool firstFrameOnly = false)
    {
        var reader = new ApngReader(limits, firstFrameOnly);
        var chunks = new PngChunkReader(data);
        if (!chunks.TryReadNext(out var first) || first.Type != PngChunk.Ihdr)
        {
            throw new ImageDecodingException("the PNG does not start with an IHDR chunk");
        }

        reader.ReadHeader(first, data);

        // A file that ends without IEND, or inside a chunk, is read as far as it goes (browsers do): the frames it holds
        // stay usable, and a frame whose data is cut off fails when it is decoded.
        while (chunks.TryReadNext(out var chunk))
        {
            if (chunk.Type == PngChunk.Iend)
            {
                reader._reachedEnd = true;
                break;
            }

            if (reader.EndsFirstFrame(chunk))
            {
                // Another frame follows, whatever the acTL declares: a full decode plays it.
                reader._framesFollow = true;
                reader._reachedEnd = true;
                break;
            }

            reader.Read(chunk, data);
        }

        reader._truncation = chunks.Truncation;
        return reader.Finish();
    }

    /// <summary>
    /// Whether the APNG's default image (its IDAT) is not part of the animation: the animation control is usable and no
    /// fcTL comes before the image data, so that an APNG decoder never shows that image. Reads only the chunks before the
    /// first IDAT (all of them when <paramref name="data"/> is a prefix that reaches it); data an APNG decode would refuse
    /// there counts as hidden (nothing of it is shown).
    /// </summary>
    public static bool HidesDefaultImage(ReadOnlySpan<byte> data, DecodingLimits limits)
    {
        var reader = new ApngReader(limits, firstFrameOnly: true);
        try
        {
            var chunks = new PngChunkReader(data);
            if (!chunks.TryReadNext(out var first) || first.Type != PngChunk.Ihdr)
            {
                return true;
            }

            reader.ReadHeader(first, data);
            while (chunks.TryReadNext(out var chunk) && chunk.Type is not (PngChunk.Idat or PngChunk.Iend))
            {
                reader.Read(chunk, data);
            }
        }
        catch (ImageDecodingException)
        {
            return true;
        }

        return reader._seenActl && !reader._animationIgnored && reader._pending is null;
    }

    // First-frame-only: an fcTL after frame 0's data ends that data (fdAT chunks follow their own fcTL; an IDAT image's
    // chunks are one run, over by now). Checked before the chunk's CRC, which is frame 1's concern.
    private bool EndsFirstFrame(PngChunk chunk) =>
        _firstFrameOnly && chunk.Type == PngChunk.Fctl && !_animationIgnored && _frames.Count == 0 && _pending is not null && _pendingSegments.Count > 0;

    private void ReadHeader(PngChunk chunk, ReadOnlySpan<byte> data)
    {
        if (!chunk.IsCrcValid || chunk.Length != 13)
        {
            throw new ImageDecodingException("the IHDR chunk is corrupt (wrong length or CRC)");
        }

        var payload = chunk.GetData(data);
        var width = BinaryPrimitives.ReadUInt32BigEndian(payload);
        var height = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        var colorType = payload[9];
        if (width > int.MaxValue || height > int.MaxValue)
        {
            throw new ImageDecodingException($"the IHDR declares an invalid canvas ({width}x{height})");
        }

        if (colorType is not (0 or 2 or 3 or 4 or 6))
        {
            throw new ImageDecodingException($"the IHDR declares an unknown colour type ({colorType})");
        }

        _width = (int)width;
        _height = (int)height;
        _limits.Check(_width, _height, 1);
        _header = payload.ToArray();
        _hasAlpha = colorType is 4 or 6;
    }

    private void Read(PngChunk chunk, ReadOnlySpan<byte> data)
    {
        if (_seenIdat && chunk.Type != PngChunk.Idat)
        {
            _idatEnded = true;
        }

        if (!chunk.IsCrcValid)
        {
            ReadDamaged(chunk);
            return;
        }

        switch (chunk.Type)
        {
            case PngChunk.Idat:
                ReadImageData(chunk);
                break;
            case PngChunk.Actl:
                ReadAnimationControl(chunk, data);
                break;
            case PngChunk.Fctl:
                ReadFrameControl(chunk, data);
                break;
            case PngChunk.Fdat:
                ReadFrameData(chunk, data);
                break;
            case PngChunk.Plte or PngChunk.Trns or PngChunk.Gama or PngChunk.Chrm or PngChunk.Srgb or PngChunk.Iccp or PngChunk.Sbit:
                KeepForFrames(chunk, data);
                break;
            case PngChunk.Ihdr:
                throw new ImageDecodingException(string.Create(CultureInfo.InvariantCulture, $"a second IHDR chunk appears at byte {chunk.Offset:N0}"));
            default:
                if (chunk.IsCritical)
                {
                    throw new ImageDecodingException(string.Create(CultureInfo.InvariantCulture, $"the PNG has an unknown critical chunk {chunk.Name} at byte {chunk.Offset:N0}"));
                }

                break;
        }
    }

    // libpng's policy: a damaged critical chunk is fatal, a damaged ancillary chunk is dropped. Dropping a damaged acTL
    // leaves a plain PNG; a damaged fcTL or fdAT breaks the animation it belongs to.
    private void ReadDamaged(PngChunk chunk)
    {
        var fatal = chunk.IsCritical || (!_animationIgnored && chunk.Type is PngChunk.Fctl or PngChunk.Fdat);
        if (fatal)
        {
            throw new ImageDecodingException(string.Create(CultureInfo.InvariantCulture, $"the {chunk.Name} chunk at byte {chunk.Offset:N0} fails its CRC check (corrupt data)"));
        }

        if (chunk.Type == PngChunk.Actl && !_seenIdat)
        {
            _seenActl = true;
            _animationIgnored = true;
        }
    }

    private void ReadAnimationControl(PngChunk chunk, ReadOnlySpan<byte> data)
    {
        if (_seenIdat)
        {
            // The spec: an acTL after the image data does not make the file animated.
            return;
        }

        if (_seenActl)
        {
            // Two acTL chunks: browsers show the default image.
            _animationIgnored = true;
            return;
        }

        _seenActl = true;
        var payload = chunk.GetData(data);
        var numFrames = chunk.Length == 8 ? BinaryPrimitives.ReadUInt32BigEndian(payload) : 0;
        if (numFrames is 0 or > int.MaxValue)
        {
            // No frames, a frame count beyond PNG's 31-bit integers, or a malformed acTL: show the default image.
            _animationIgnored = true;
            return;
        }

        // Before anything is allocated per frame: the declared count is what a hostile file controls.
        _limits.Check(_width, _height, _firstFrameOnly ? 1 : (int)numFrames);
        _declaredFrames = (int)numFrames;
        _loopCount = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(payload[4..]), int.MaxValue);
    }

    private void KeepForFrames(PngChunk chunk, ReadOnlySpan<byte> data)
    {
        // Only the chunks before the image data describe it; later copies are not allowed by PNG and are ignored.
        if (_seenIdat)
        {
            return;
        }

        _frameChunks.Write(data.Slice(chunk.Offset, chunk.TotalLength));
        _hasAlpha |= chunk.Type == PngChunk.Trns;
    }

    private ApngContainer? Finish()
    {
        if (!_seenIdat)
        {
            throw new ImageDecodingException(_truncation is null
                ? "the PNG has no image data (no IDAT chunk)"
                : $"the data ends before the image data: {_truncation}");
        }

        if (!_seenActl || _animationIgnored)
        {
            return null;
        }

        // Data that stops before IEND is cut off, whether the cut falls inside a chunk or between two.
        var cutOff = _truncation is not null || !_reachedEnd;
        if (cutOff && _pending is not null && _pendingSegments.Count == 0)
        {
            _pending = null; // its fcTL made it but none of its data did: the frame is not announced
        }

        FinishPendingFrame();
        if (_frames.Count == 0)
        {
            throw new ImageDecodingException(string.Create(CultureInfo.InvariantCulture, $"the acTL declares {_declaredFrames:N0} frames but there is no fcTL"));
        }

        // A first-frame-only read stops after frame 0: how many frames follow is not its concern.
        if (_frames.Count < _declaredFrames && !cutOff && !_firstFrameOnly)
        {
            throw new ImageDecodingException(
                string.Create(CultureInfo.InvariantCulture, $"the acTL declares {_declaredFrames:N0} frames but only {_frames.Count:N0} are present (truncated or corrupt animation)"));
        }

        // More frames than declared are all played (as Pillow does): each one was counted against the limits as it was read.
        ApngFrame[] frames = _firstFrameOnly ? [_frames[0]] : [.. _frames];
        return new ApngContainer(_width, _height, _header, _frameChunks.WrittenSpan.ToArray(), frames, _loopCount, _hasAlpha, leftOutFrames: _firstFrameOnly && (_framesFollow || _declaredFrames > frames.Length));
    }
}
