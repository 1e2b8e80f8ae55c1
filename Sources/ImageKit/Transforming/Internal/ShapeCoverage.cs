namespace ImageKit.Transforming.Internal;

/// <summary>
/// Cuts a rounded rectangle (a circle when it is a square with half-side corners) out of BGRA premultiplied pixels: each
/// pixel is scaled by the part of it the shape covers.
/// </summary>
/// <remarks>
/// Done here rather than with a Skia anti-aliased clip or path: Skia's raster anti-aliasing covers edge pixels in coarse
/// steps that differ between the top and the bottom of the same circle (a 64-pixel avatar had mirror pixels at alpha 147
/// and 224, the exact coverage being about 200 for both).
/// </remarks>
internal static class ShapeCoverage
{
    private const int Samples = 8; // a side, for pixels the edge crosses

    /// <summary>
    /// Copies the <paramref name="width"/> x <paramref name="height"/> pixels at <paramref name="left"/>, <paramref
    /// name="top"/> of <paramref name="input"/> (rows of <paramref name="inputWidth"/> pixels) into <paramref name="output"/>,
    /// kept inside a rectangle of that size whose corners are rounded with <paramref name="radius"/> (at most half the
    /// shorter side).
    /// </summary>
    public static void Apply(ReadOnlySpan<byte> input, int inputWidth, int left, int top, Span<byte> output, int width, int height, double radius)
    {
        var r = Math.Min(radius, Math.Min(width, height) / 2.0);
        for (var y = 0; y < height; y++)
        {
            var source = input.Slice((((top + y) * inputWidth) + left) * 4, width * 4);
            var target = output.Slice(y * width * 4, width * 4);

            // The shape is convex and mirror-symmetric: the pixels it covers whole are one run in the middle of the row,
            // copied as they are; only those before it (and their mirror images after it) are measured.
            var edge = 0;
            while (edge < width / 2 && Outside(edge + 0.5, y + 0.5, width, height, r) > -0.75)
            {
                edge++;
            }

            source[(edge * 4)..((width - edge) * 4)].CopyTo(target[(edge * 4)..((width - edge) * 4)]);
            if (edge == width / 2 && width % 2 == 1)
            {
                Scale(source.Slice(edge * 4, 4), target.Slice(edge * 4, 4), Coverage(edge, y, width, height, r)); // the middle pixel
            }

            for (var k = 0; k < edge; k++)
            {
                var coverage = Coverage(k, y, width, height, r);
                Scale(source.Slice(k * 4, 4), target.Slice(k * 4, 4), coverage);
                Scale(source.Slice((width - 1 - k) * 4, 4), target.Slice((width - 1 - k) * 4, 4), coverage);
            }
        }
    }

    // Every channel scaled alike (rounded the same way), so colour stays at most alpha.
    private static void Scale(ReadOnlySpan<byte> source, Span<byte> target, double coverage)
    {
        for (var c = 0; c < 4; c++)
        {
            target[c] = (byte)((source[c] * coverage) + 0.5);
        }
    }

    // The part of pixel (x, y) inside the shape: whole or none when its centre is farther from the edge than its half
    // diagonal, else sampled on a grid.
    private static double Coverage(int x, int y, int width, int height, double r)
    {
        var distance = Outside(x + 0.5, y + 0.5, width, height, r);
        if (distance <= -0.75)
        {
            return 1;
        }

        if (distance >= 0.75)
        {
            return 0;
        }

        var inside = 0;
        for (var sy = 0; sy < Samples; sy++)
        {
            for (var sx = 0; sx < Samples; sx++)
            {
                inside += Outside(x + ((sx + 0.5) / Samples), y + ((sy + 0.5) / Samples), width, height, r) <= 0 ? 1 : 0;
            }
        }

        return inside / (double)(Samples * Samples);
    }

    // The signed distance from the point to the rounded rectangle's edge (negative inside): from the rectangle shrunk by r
    // on every side, less r.
    private static double Outside(double px, double py, int width, int height, double r)
    {
        var qx = Math.Abs(px - (width / 2.0)) - ((width / 2.0) - r);
        var qy = Math.Abs(py - (height / 2.0)) - ((height / 2.0) - r);
        var (ox, oy) = (Math.Max(qx, 0), Math.Max(qy, 0));
        return Math.Sqrt((ox * ox) + (oy * oy)) + Math.Min(Math.Max(qx, qy), 0) - r;
    }
}
