namespace ImageKit.Decoding.Internal;

/// <summary>
/// Walks a GIF's blocks by their headers alone: after the header, the logical screen descriptor and the global colour
/// table, each extension (0x21) and each image (0x2C: descriptor, local colour table, LZW minimum code size) in turn, their
/// sub-blocks skipped by their lengths (a graphic control extension's first one by at least 4 bytes, as Skia reads it).
/// Nothing is decoded and nothing is allocated. The walk ends at the trailer, at a byte that starts no block (damage), at a
/// block whose first bytes are cut off, and at the end of the data; a block whose sub-blocks run past the end is still
/// returned, and is the last.
/// </summary>
internal ref struct GifBlockReader
{
    private const byte ExtensionIntroducer = 0x21;
    private const byte ImageSeparator = 0x2C;
    private const byte GraphicControlLabel = 0xF9;
    private const int GraphicControlBytes = 4; // packed field, delay, transparent index
    private const int ImageDescriptorBytes = 9; // after the separator: position, size, packed field

    private readonly ReadOnlySpan<byte> _data;
    private int _offset;

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
        if (_offset >= _data.Length)
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
                (_offset, IsComplete) = Label == GraphicControlLabel
                    ? SkipGraphicControl(_data, start + 2)
                    : SkipSubBlocks(_data, start + 2);
                Body = _data[(start + 2)..Math.Min(_offset, _data.Length)];
                return true;
            case ImageSeparator when start + 1 + ImageDescriptorBytes <= _data.Length:
                IsImage = true;
                Label = 0;
                var imageData = start + 1 + ImageDescriptorBytes + ColorTableSize(_data[start + ImageDescriptorBytes]) + 1;
                ReachesImageData = imageData <= _data.Length;
                (_offset, IsComplete) = SkipSubBlocks(_data, imageData);
                Body = _data[(start + 1)..Math.Min(_offset, _data.Length)];
                return true;
            default:
                _offset = _data.Length; // the trailer, or damage
                return false;
        }
    }

    private static int ColorTableSize(byte packed) => (packed & 0x80) != 0 ? 3 << ((packed & 0x07) + 1) : 0;

    // Skia reads a graphic control extension's 4 bytes whatever length its first sub-block declares (more are skipped), then
    // its further sub-blocks: a walk by a shorter declared length would take those 4 bytes for blocks of their own, and
    // count images the codec never sees.
    private static (int End, bool Terminated) SkipGraphicControl(ReadOnlySpan<byte> data, int offset) =>
        offset < data.Length
            ? SkipSubBlocks(data, offset + 1 + Math.Max((int)data[offset], GraphicControlBytes))
            : (offset, false);

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
