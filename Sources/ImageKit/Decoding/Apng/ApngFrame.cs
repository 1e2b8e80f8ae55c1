namespace ImageKit.Decoding.Apng;

/// <summary>A run of compressed image data inside the encoded file: an IDAT payload, or an fdAT payload after its sequence number.</summary>
/// <param name="Offset">Where the bytes start in the encoded data.</param>
/// <param name="Length">How many bytes (may be 0: an empty fdAT is legal).</param>
internal readonly record struct ApngDataSegment(int Offset, int Length);

/// <summary>
/// One animation frame, located once when the file is parsed: its <c>fcTL</c> and where its compressed data lies, so that
/// decoding a frame reads only that frame's bytes.
/// </summary>
internal sealed class ApngFrame
{
    public ApngFrame(ApngFrameControl control, ApngDataSegment[] segments)
    {
        Control = control;
        Segments = segments;
        var total = 0L;
        foreach (var segment in segments)
        {
            total += segment.Length;
        }

        DataLength = total;
    }

    /// <summary>The frame's region, delay, disposal and blending.</summary>
    public ApngFrameControl Control { get; }

    /// <summary>The frame's compressed data, in file order.</summary>
    public ApngDataSegment[] Segments { get; }

    /// <summary>The number of compressed bytes in all <see cref="Segments"/>.</summary>
    public long DataLength { get; }
}
