using System.Runtime.InteropServices;

namespace ImageKit.Decoding.Apng;

/// <summary>
/// The two pixel operations APNG compositing needs beyond a plain copy, on premultiplied BGRA: clearing a frame's
/// region (dispose_op BACKGROUND) and alpha-compositing a decoded frame over the canvas (blend_op OVER).
/// </summary>
internal static class ApngCompositor
{
    /// <summary>Clears <paramref name="region"/> of <paramref name="canvas"/> to transparent black.</summary>
    public static void Clear(Span<byte> canvas, int rowBytes, in ApngFrameControl region)
    {
        for (var row = 0; row < region.Height; row++)
        {
            canvas.Slice(((region.Y + row) * rowBytes) + (region.X * 4), region.Width * 4).Clear();
        }
    }

    /// <summary>
    /// Composites <paramref name="frame"/> (premultiplied BGRA, region size, rows packed) over <paramref name="region"/> of
    /// <paramref name="canvas"/>: result = source + destination × (1 − source alpha), rounded exactly.
    /// </summary>
    public static void BlendOver(ReadOnlySpan<byte> frame, Span<byte> canvas, int rowBytes, in ApngFrameControl region)
    {
        var frameRowBytes = region.Width * 4;
        for (var row = 0; row < region.Height; row++)
        {
            var source = MemoryMarshal.Cast<byte, uint>(frame.Slice(row * frameRowBytes, frameRowBytes));
            var destination = MemoryMarshal.Cast<byte, uint>(
                canvas.Slice(((region.Y + row) * rowBytes) + (region.X * 4), frameRowBytes));
            for (var i = 0; i < source.Length; i++)
            {
                destination[i] = Over(source[i], destination[i]);
            }
        }
    }

    private static uint Over(uint source, uint destination)
    {
        // Alpha is the fourth byte in memory (BGRA).
        var alpha = BitConverter.IsLittleEndian ? source >> 24 : source & 0xFF;
        if (alpha == 0xFF)
        {
            return source;
        }

        if (alpha == 0)
        {
            return destination;
        }

        // Two channels at a time in 16-bit lanes; (x + 128 + ((x + 128) >> 8)) >> 8 is x / 255 rounded to nearest.
        // Premultiplied channels never exceed alpha, so source + destination × (255 − alpha) / 255 never carries
        // from one byte into the next.
        var inverse = 0xFF - alpha;
        var evens = ((destination & 0x00FF_00FF) * inverse) + 0x0080_0080;
        evens = ((evens + ((evens >> 8) & 0x00FF_00FF)) >> 8) & 0x00FF_00FF;
        var odds = (((destination >> 8) & 0x00FF_00FF) * inverse) + 0x0080_0080;
        odds = (odds + ((odds >> 8) & 0x00FF_00FF)) & 0xFF00_FF00;
        return source + (evens | odds);
    }
}
