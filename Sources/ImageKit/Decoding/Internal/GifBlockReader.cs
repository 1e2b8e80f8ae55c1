namespace ImageKit.Decoding.Internal;

/// <summary>
/// Walks a GIF's blocks by their headers alone: after the header, the logical screen descriptor and the global colour
/// table, each extension (0x21) and each image (0x2C: descriptor, local colour table, LZW minimum code size) in turn, their
/// sub-blocks skipped by their lengths. Nothing is decoded and nothing is allocated. The walk ends at the trailer, at a
/// byte that starts no block (damage), at a block whose first bytes are cut off, and at the end of the data; a block whose
/// sub-blocks run past the end is still returned, and is the last. It also ends where Skia's GIF decoder (Wuffs) stops
/// with an error: at a graphic control extension that is not one 4-byte sub-block and its terminator (not returned), and
/// after an image whose LZW literal width is above 8 (returned: the decoder has read its descriptor, and counts it).
/// </summary>
internal ref struct GifBlockReader
{
    private const byte ExtensionIntroducer = 0x21;
    private const byte ImageSeparator = 0x2C;
    private const byte GraphicControlLabel = 0xF9;
    private const int GraphicControlBytes = 4; // packed field, delay, transparent index
    private const int MaxLiteralWidth = 8;
    private const int ImageDescriptorBytes = 9; // after the separator: position, size, packed field

    private readonly ReadOnlySpan<byte> _data;
    private int _offset;
    private bool _ended; // the decoder stops after the current block

    public GifBlockReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _offset = data.Length < 13 ? data.Length : 13 + ColorTableSize(data[10]);
    }

    /// <summary>Whether the current block is an image (a frame); otherwise it is an extension.</summary>
    public bool IsImage { get; private set; }

    /// <summary>The current extension's label (0xF9 for a graphic control extension); 0 for an image.</summary>
    public byte Label { get; private set; }

    /// <summary>
    /// The current block's bytes after its introducer (and an extension's label), up to the end of its sub-blocks or of
    /// the data: an extension's starts with the length of its first sub-block.
    /// </summary>
    public ReadOnlySpan<byte> Body { get; private set; }

    /// <summary>
    /// Whether the current image's descriptor, local colour table and LZW minimum code size are all in the data, so that a
    /// decoder has reached the start of its pixel data. Always <see langword="false"/> for an extension.
    /// </summary>
    public bool ReachesImageData { get; private set; }

    /// <summary>Where the current block starts in the data (its introducer).</summary>
    public int Start { get; private set; }

    /// <summary>Where the current block ends: just past its block terminator, or past the end of the data when it is cut off.</summary>
    public int End => _offset;

    /// <summary>Whether the current block's sub-blocks end with their block terminator inside the data.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Moves to the next block; <see langword="false"/> when the walk has ended.</summary>
    public bool MoveNext()
    {
        if (_ended || _offset >= _data.Length)
        {
            return false;
        }

        var start = _offset;
        Start = start;
        switch (_data[start])
        {
            case ExtensionIntroducer when start + 1 < _data.Length:
                IsImage = false;
                Label = _data[start + 1];
                ReachesImageData = false;
                if (Label == GraphicControlLabel && !IsWholeGraphicControl(_data, start + 2))
                {
                    _offset = _data.Length; // the decoder stops with an error
                    return false;
                }

                (_offset, IsComplete) = SkipSubBlocks(_data, start + 2);
                Body = _data[(start + 2)..Math.Min(_offset, _data.Length)];
                return true;
            case ImageSeparator when start + 1 + ImageDescriptorBytes <= _data.Length:
                IsImage = true;
                Label = 0;
                var imageData = start + 1 + ImageDescriptorBytes + ColorTableSize(_data[start + ImageDescriptorBytes]) + 1;
                ReachesImageData = imageData <= _data.Length;
                _ended = ReachesImageData && _data[imageData - 1] > MaxLiteralWidth; // the decoder stops with an error
                (_offset, IsComplete) = SkipSubBlocks(_data, imageData);
                Body = _data[(start + 1)..Math.Min(_offset, _data.Length)];
                return true;
            default:
                _offset = _data.Length; // the trailer, or damage
                return false;
        }
    }

    private static int ColorTableSize(byte packed) => (packed & 0x80) != 0 ? 3 << ((packed & 0x07) + 1) : 0;

    // Wuffs reads a graphic control extension as one sub-block of exactly 4 bytes and its terminator, and fails on any other
    // (its decode_gc). Cut off inside those bytes, the extension is returned as cut off: the data ends there either way.
    private static bool IsWholeGraphicControl(ReadOnlySpan<byte> data, int offset) =>
        (offset >= data.Length || data[offset] == GraphicControlBytes)
        && (offset + 1 + GraphicControlBytes >= data.Length || data[offset + 1 + GraphicControlBytes] == 0);

    private static (int End, bool Terminated) SkipSubBlocks(ReadOnlySpan<byte> data, int offset)
    {
        while (offset < data.Length)
        {
            var size = data[offset];
            offset += 1 + size;
            if (size == 0)
            {
                return (offset, true);
            }
        }

        return (offset, false);
    }
}
