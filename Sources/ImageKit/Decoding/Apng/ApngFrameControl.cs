using System.Buffers.Binary;

namespace ImageKit.Decoding.Apng;

/// <summary>What happens to a frame's region after the frame has been shown (<c>fcTL.dispose_op</c>).</summary>
internal enum ApngDisposeOp : byte
{
    /// <summary>The region is left as drawn.</summary>
    None = 0,

    /// <summary>The region is cleared to transparent black.</summary>
    Background = 1,

    /// <summary>The region goes back to what it was before the frame was drawn.</summary>
    Previous = 2,
}

/// <summary>How a frame is drawn onto the canvas (<c>fcTL.blend_op</c>).</summary>
internal enum ApngBlendOp : byte
{
    /// <summary>The frame's pixels replace the region, alpha included.</summary>
    Source = 0,

    /// <summary>The frame is alpha-composited over the region.</summary>
    Over = 1,
}

/// <summary>The contents of one <c>fcTL</c> chunk: a frame's region on the canvas, its delay and its disposal and blending.</summary>
internal readonly record struct ApngFrameControl(
    int X, int Y, int Width, int Height, TimeSpan Duration, ApngDisposeOp Dispose, ApngBlendOp Blend)
{
    /// <summary>The payload size of an <c>fcTL</c> chunk.</summary>
    public const int Size = 26;

    /// <summary>Whether the region is the whole canvas.</summary>
    public bool Covers(int canvasWidth, int canvasHeight) =>
        X == 0 && Y == 0 && Width == canvasWidth && Height == canvasHeight;

    /// <summary>Parses and validates an <c>fcTL</c> payload (sequence number included, already checked by the caller).</summary>
    /// <param name="payload">The <see cref="Size"/>-byte payload.</param>
    /// <param name="canvasWidth">The IHDR width: the region must lie within it.</param>
    /// <param name="canvasHeight">The IHDR height.</param>
    /// <param name="frameIndex">The frame's index, for messages and for the first-frame rule.</param>
    /// <exception cref="ImageDecodingException">The region is empty or leaves the canvas, or an operation is unknown.</exception>
    public static ApngFrameControl Parse(ReadOnlySpan<byte> payload, int canvasWidth, int canvasHeight, int frameIndex)
    {
        var width = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(payload[8..]);
        var x = BinaryPrimitives.ReadUInt32BigEndian(payload[12..]);
        var y = BinaryPrimitives.ReadUInt32BigEndian(payload[16..]);
        var delayNumerator = BinaryPrimitives.ReadUInt16BigEndian(payload[20..]);
        var delayDenominator = BinaryPrimitives.ReadUInt16BigEndian(payload[22..]);
        var dispose = payload[24];
        var blend = payload[25];

        // Sums in 64 bits: each field may be up to 2^32 - 1 in a hostile file.
        if (width == 0 || height == 0 || (ulong)x + width > (ulong)canvasWidth || (ulong)y + height > (ulong)canvasHeight)
        {
            throw new ImageDecodingException(
                $"frame {frameIndex}'s region {width}x{height} at ({x}, {y}) does not lie within the {canvasWidth}x{canvasHeight} canvas");
        }

        if (dispose > (byte)ApngDisposeOp.Previous || blend > (byte)ApngBlendOp.Over)
        {
            throw new ImageDecodingException(
                $"frame {frameIndex} has an unknown dispose_op ({dispose}) or blend_op ({blend})");
        }

        // The spec: a denominator of 0 means hundredths of a second.
        var denominator = delayDenominator == 0 ? 100 : delayDenominator;
        var duration = TimeSpan.FromTicks(delayNumerator * TimeSpan.TicksPerSecond / denominator);

        // The spec: PREVIOUS on the first frame is treated as BACKGROUND (there is nothing earlier to revert to).
        var disposeOp = (ApngDisposeOp)dispose;
        if (frameIndex == 0 && disposeOp == ApngDisposeOp.Previous)
        {
            disposeOp = ApngDisposeOp.Background;
        }

        return new ApngFrameControl((int)x, (int)y, (int)width, (int)height, duration, disposeOp, (ApngBlendOp)blend);
    }
}
