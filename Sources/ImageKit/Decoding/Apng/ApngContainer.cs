namespace ImageKit.Decoding.Apng;

/// <summary>
/// A parsed, validated APNG: everything needed to rebuild and decode any frame without reading the file's chunk
/// structure again. Made by <see cref="ApngReader"/>; offsets point into the encoded data it was read from.
/// </summary>
internal sealed class ApngContainer(
    int width, int height, byte[] header, byte[] frameChunks, ApngFrame[] frames, int loopCount, bool hasAlpha, bool leftOutFrames = false)
{
    /// <summary>The canvas width (IHDR).</summary>
    public int Width { get; } = width;

    /// <summary>The canvas height (IHDR).</summary>
    public int Height { get; } = height;

    /// <summary>The 13-byte IHDR payload; each frame's PNG uses it with the frame's width and height.</summary>
    public byte[] Header { get; } = header;

    /// <summary>
    /// The chunks before the first IDAT that describe how to read the pixels (PLTE, tRNS, gAMA, cHRM, sRGB, iCCP, sBIT),
    /// verbatim and in file order, CRCs included: every frame's PNG repeats them.
    /// </summary>
    public byte[] FrameChunks { get; } = frameChunks;

    /// <summary>The animation frames, in order. The IDAT image is frame 0 only when an fcTL precedes it.</summary>
    public ApngFrame[] Frames { get; } = frames;

    /// <summary>acTL num_plays: 0 = forever, N = N plays in total.</summary>
    public int LoopCount { get; } = loopCount;

    /// <summary>Whether the colour type has alpha (4 or 6) or a tRNS chunk is present.</summary>
    public bool HasAlpha { get; } = hasAlpha;

    /// <summary>
    /// Whether the file holds or declares more animation frames than were read (a first-frame-only read that stopped at
    /// the next frame's fcTL, or whose acTL declares more frames).
    /// </summary>
    public bool LeftOutFrames { get; } = leftOutFrames;
}
