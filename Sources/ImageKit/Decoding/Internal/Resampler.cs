using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ImageKit.Decoding.Internal;

/// <summary>
/// Resizes BGRA premultiplied pixels with a Mitchell–Netravali filter (B = C = 1/3) whose support widens with the
/// reduction, so that shrinking averages every source pixel it covers instead of sampling a few of them.
/// </summary>
/// <remarks>
/// Written here rather than taken from Skia: <c>SKPixmap.ScalePixels</c> evaluates its cubic filter at source scale (four
/// taps a side whatever the reduction), so fine detail shrunk by 1.5× or more folds back as moiré (one-pixel stripes
/// shrunk 3×: a standard deviation of 69 levels where the true result is flat grey), and mipmapped sampling still does at
/// reductions below 2×. This is the textbook separable scheme (as in Pillow or ImageMagick): each output pixel weighs the
/// source pixels under the filter stretched by the reduction, the weights normalised so that flat colour stays exactly
/// flat, edges clamped. Filtering premultiplied values keeps transparent pixels from bleeding colour; after the
/// filter's negative lobes, colour is clamped to alpha so that the result is valid premultiplied data.
/// </remarks>
internal static partial class Resampler
{
    private const float MitchellSupport = 2f;

    /// <summary>
    /// Resizes <paramref name="source"/> (<paramref name="sourceWidth"/> x <paramref name="sourceHeight"/>, rows of
    /// <paramref name="sourceRowBytes"/>) into all of <paramref name="target"/>.
    /// </summary>
    public static void Resize(
        ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight, int sourceRowBytes,
        Span<byte> target, int targetWidth, int targetHeight, int targetRowBytes)
    {
        if (sourceWidth == targetWidth && sourceHeight == targetHeight)
        {
            for (var y = 0; y < sourceHeight; y++)
            {
                source.Slice(y * sourceRowBytes, sourceWidth * 4).CopyTo(target.Slice(y * targetRowBytes, targetWidth * 4));
            }

            return;
        }

        // A large reduction first averages whole blocks of pixels (as Pillow's reduce and libvips' shrink do), so the
        // filter below runs on a few times its output size: its cost then no longer grows with the source's.
        var blockWidth = Math.Max(1, sourceWidth / targetWidth / 2);
        var blockHeight = Math.Max(1, sourceHeight / targetHeight / 2);
        if (blockWidth == 1 && blockHeight == 1)
        {
            Filter(source, sourceWidth, sourceHeight, sourceRowBytes, sourceWidth, sourceHeight, target, targetWidth, targetHeight, targetRowBytes);
            return;
        }

        var (reducedWidth, reducedHeight) = (DivideUp(sourceWidth, blockWidth), DivideUp(sourceHeight, blockHeight));
        var reduced = ArrayPool<byte>.Shared.Rent(checked(reducedWidth * reducedHeight * 4));
        try
        {
            BoxReduce(source, sourceWidth, sourceHeight, sourceRowBytes, blockWidth, blockHeight, reduced);

            // The reduced image spans sourceWidth / blockWidth of its pixels (its last block may be narrower): the filter
            // maps output pixels by that extent, so the geometry stays the source's.
            Filter(
                reduced, reducedWidth, reducedHeight, reducedWidth * 4, (double)sourceWidth / blockWidth, (double)sourceHeight / blockHeight,
                target, targetWidth, targetHeight, targetRowBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(reduced);
        }
    }

    // The separable filter: `extentWidth` x `extentHeight` is the source's size in its own pixels' units (its pixel count,
    // unless a box reduction left a narrower last block).
    private static void Filter(
        ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight, int sourceRowBytes, double extentWidth, double extentHeight,
        Span<byte> target, int targetWidth, int targetHeight, int targetRowBytes)
    {
        var columns = Contributions.Create(sourceWidth, extentWidth, targetWidth);
        var rows = Contributions.Create(sourceHeight, extentHeight, targetHeight);
        var rowFloats = targetWidth * 4;

        // The horizontal pass's rows are kept only while an output row needs them: a window of as many rows as the widest
        // vertical span, each source row in slot (row % window). One span's rows are consecutive, so they never share a
        // slot; spans move down monotonically, so each source row is filtered once. (All rows at once took up to 16 floats
        // per output pixel: 1.1 GB of floats to scale 10000 x 10000 to 7071 x 7071, kept afterwards by the shared pool.)
        var window = WindowRows(rows);
        var intermediate = ArrayPool<float>.Shared.Rent(checked(rowFloats * window));
        var slotRows = ArrayPool<int>.Shared.Rent(window);
        var sourceRow = ArrayPool<float>.Shared.Rent(sourceWidth * 4);
        var sum = ArrayPool<float>.Shared.Rent(rowFloats);
        try
        {
            slotRows.AsSpan(0, window).Fill(-1);
            for (var y = 0; y < targetHeight; y++)
            {
                var accumulator = sum.AsSpan(0, rowFloats);
                accumulator.Clear();
                var (start, count, offset) = rows.Span(y);
                for (var k = 0; k < count; k++)
                {
                    var row = start + k;
                    var slot = row % window;
                    var filtered = intermediate.AsSpan(slot * rowFloats, rowFloats);
                    if (slotRows[slot] != row)
                    {
                        // Horizontal pass of this source row to the target width, the first time an output row needs it.
                        ToFloats(source.Slice(row * sourceRowBytes, sourceWidth * 4), sourceRow);
                        Horizontal(sourceRow, columns, filtered);
                        slotRows[slot] = row;
                    }

                    AddScaled(accumulator, filtered, rows.Weights[offset + k]);
                }

                ToPremultipliedBytes(accumulator, target.Slice(y * targetRowBytes, targetWidth * 4));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(sum);
            ArrayPool<float>.Shared.Return(sourceRow);
            ArrayPool<int>.Shared.Return(slotRows);
            ArrayPool<float>.Shared.Return(intermediate);
        }
    }

    /// <summary>
    /// How many rows of the horizontal pass <see cref="Filter"/> keeps at once to resize <paramref name="sourceHeight"/> rows
    /// spanning <paramref name="extentHeight"/> to <paramref name="targetHeight"/>: the widest vertical span (a few rows,
    /// about four times the reduction factor, which the box reduction bounds), never the source's height.
    /// </summary>
    internal static int WindowRows(int sourceHeight, double extentHeight, int targetHeight) =>
        WindowRows(Contributions.Create(sourceHeight, extentHeight, targetHeight));

    private static int WindowRows(Contributions rows)
    {
        var widest = 1;
        for (var y = 0; y < rows.Count; y++)
        {
            widest = Math.Max(widest, rows.Span(y).Count);
        }

        return widest;
    }

    private static void Horizontal(float[] sourceRow, Contributions columns, Span<float> output)
    {
        ref var pixels = ref MemoryMarshal.GetArrayDataReference(sourceRow);
        for (var x = 0; x < columns.Count; x++)
        {
            var (start, count, offset) = columns.Span(x);
            var accumulator = Vector128<float>.Zero;
            for (var k = 0; k < count; k++)
            {
                var pixel = Vector128.LoadUnsafe(ref pixels, (nuint)((start + k) * 4));
                accumulator += pixel * columns.Weights[offset + k];
            }

            accumulator.StoreUnsafe(ref MemoryMarshal.GetReference(output), (nuint)(x * 4));
        }
    }

    private static void AddScaled(Span<float> accumulator, ReadOnlySpan<float> row, float weight)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var w = new Vector<float>(weight);
            for (; i <= accumulator.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var sum = new Vector<float>(accumulator[i..]) + (new Vector<float>(row[i..]) * w);
                sum.CopyTo(accumulator[i..]);
            }
        }

        for (; i < accumulator.Length; i++)
        {
            accumulator[i] += row[i] * weight;
        }
    }

    private static void ToFloats(ReadOnlySpan<byte> bytes, float[] floats)
    {
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref var source = ref MemoryMarshal.GetReference(bytes);
            ref var target = ref MemoryMarshal.GetArrayDataReference(floats);
            for (; i <= bytes.Length - 16; i += 16)
            {
                var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref source, (nuint)i));
                var (a, b) = Vector128.Widen(low);
                var (c, d) = Vector128.Widen(high);
                Vector128.ConvertToSingle(a).StoreUnsafe(ref target, (nuint)i);
                Vector128.ConvertToSingle(b).StoreUnsafe(ref target, (nuint)(i + 4));
                Vector128.ConvertToSingle(c).StoreUnsafe(ref target, (nuint)(i + 8));
                Vector128.ConvertToSingle(d).StoreUnsafe(ref target, (nuint)(i + 12));
            }
        }

        for (; i < bytes.Length; i++)
        {
            floats[i] = bytes[i];
        }
    }

    private static void ToPremultipliedBytes(ReadOnlySpan<float> values, Span<byte> pixels)
    {
        for (var i = 0; i < pixels.Length; i += 4)
        {
            var alpha = Round(values[i + 3], 255);
            pixels[i] = Round(values[i], alpha);
            pixels[i + 1] = Round(values[i + 1], alpha);
            pixels[i + 2] = Round(values[i + 2], alpha);
            pixels[i + 3] = alpha;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Round(float value, byte max) => value <= 0 ? (byte)0 : value >= max ? max : (byte)(value + 0.5f);

    private static float Mitchell(float x)
    {
        x = Math.Abs(x);
        return x < 1 ? ((7 * x * x * x) - (12 * x * x) + (16f / 3)) / 6
            : x < 2 ? ((-7f / 3 * x * x * x) + (12 * x * x) - (20 * x) + (32f / 3)) / 6
            : 0;
    }
}
