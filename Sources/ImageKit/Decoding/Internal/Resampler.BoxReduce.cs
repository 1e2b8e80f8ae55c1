using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ImageKit.Decoding.Internal;

/// <summary>The first step of a large reduction: averaging whole blocks of pixels, in one pass over the source.</summary>
internal static partial class Resampler
{
    /// <summary>
    /// Averages blocks of <paramref name="blockWidth"/> x <paramref name="blockHeight"/> pixels into <paramref
    /// name="reduced"/> (rows tightly packed); blocks cut by the right or bottom edge average the pixels they have.
    /// </summary>
    private static void BoxReduce(ReadOnlySpan<byte> source, int width, int height, int rowBytes, int blockWidth, int blockHeight, Span<byte> reduced)
    {
        var channels = width * 4;
        var reducedWidth = DivideUp(width, blockWidth);
        var columnSums = ArrayPool<uint>.Shared.Rent(channels);
        var partialSums = ArrayPool<ushort>.Shared.Rent(channels);
        try
        {
            for (int top = 0, outputRow = 0; top < height; top += blockHeight, outputRow++)
            {
                var rows = Math.Min(blockHeight, height - top);

                // Column sums of the block's rows: 257 rows of bytes fit in 16 bits, which adds twice as many lanes at once;
                // taller blocks (only for reductions of hundreds of times) carry on in 32 bits.
                var partial = partialSums.AsSpan(0, channels);
                ReadOnlySpan<uint> wide = default;
                for (var first = 0; first < rows; first += 257)
                {
                    partial.Clear();
                    for (var r = first; r < Math.Min(rows, first + 257); r++)
                    {
                        AddWidened(source.Slice((top + r) * rowBytes, channels), partial);
                    }

                    if (rows > 257)
                    {
                        var sums = columnSums.AsSpan(0, channels);
                        if (first == 0)
                        {
                            sums.Clear();
                        }

                        for (var i = 0; i < channels; i++)
                        {
                            sums[i] += partial[i];
                        }

                        wide = sums;
                    }
                }

                var output = reduced.Slice(outputRow * reducedWidth * 4, reducedWidth * 4);
                if (wide.IsEmpty)
                {
                    AverageBlocks<ushort>(partial, width, blockWidth, rows, output);
                }
                else
                {
                    AverageBlocks(wide, width, blockWidth, rows, output);
                }
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(partialSums);
            ArrayPool<uint>.Shared.Return(columnSums);
        }
    }

    // Each block's average from the column sums of its rows.
    private static void AverageBlocks<T>(ReadOnlySpan<T> columnSums, int width, int blockWidth, int rows, Span<byte> output)
        where T : unmanaged, IBinaryInteger<T>
    {
        for (var left = 0; left < width; left += blockWidth)
        {
            var columns = Math.Min(blockWidth, width - left);
            var count = (ulong)columns * (ulong)rows;
            ulong b = 0, g = 0, r = 0, a = 0;
            foreach (var pixel in MemoryMarshal.Cast<T, Pixel<T>>(columnSums.Slice(left * 4, columns * 4)))
            {
                b += ulong.CreateTruncating(pixel.B);
                g += ulong.CreateTruncating(pixel.G);
                r += ulong.CreateTruncating(pixel.R);
                a += ulong.CreateTruncating(pixel.A);
            }

            var o = left / blockWidth * 4;
            output[o] = (byte)((b + (count / 2)) / count);
            output[o + 1] = (byte)((g + (count / 2)) / count);
            output[o + 2] = (byte)((r + (count / 2)) / count);
            output[o + 3] = (byte)((a + (count / 2)) / count);
        }
    }

    private static void AddWidened(ReadOnlySpan<byte> bytes, Span<ushort> sums)
    {
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref var source = ref MemoryMarshal.GetReference(bytes);
            ref var target = ref MemoryMarshal.GetReference(sums);
            for (; i <= bytes.Length - 16; i += 16)
            {
                var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref source, (nuint)i));
                (Vector128.LoadUnsafe(ref target, (nuint)i) + low).StoreUnsafe(ref target, (nuint)i);
                (Vector128.LoadUnsafe(ref target, (nuint)(i + 8)) + high).StoreUnsafe(ref target, (nuint)(i + 8));
            }
        }

        for (; i < bytes.Length; i++)
        {
            sums[i] += bytes[i];
        }
    }

    private static int DivideUp(int value, int divisor) => (value + divisor - 1) / divisor;

    private readonly record struct Pixel<T>(T B, T G, T R, T A)
        where T : unmanaged;
}
