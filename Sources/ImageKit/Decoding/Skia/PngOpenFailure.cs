using System.Buffers.Binary;
using System.Globalization;
using ImageKit.Decoding.Apng;

namespace ImageKit.Decoding.Skia;

/// <summary>
/// Says why Skia would not open a PNG when the file's own chunks say it. Skia reports every PNG it cannot read up to its
/// image data as incomplete input, which the open failure words as a truncated file: right for a file cut off in its
/// header, wrong for a complete file without an <c>IDAT</c> chunk before <c>IEND</c>, or one whose <c>IHDR</c> declares
/// an empty canvas or one larger than libpng reads. Asked only after Skia has refused the data, so it never turns away a
/// file that decodes.
/// </summary>
internal static class PngOpenFailure
{
    /// <summary>The most pixels a side libpng reads: its default user limits (PNG_USER_WIDTH_MAX, PNG_USER_HEIGHT_MAX), which Skia keeps.</summary>
    private const uint LibpngMaxSide = 1_000_000;

    /// <summary>Returns when the chunks do not explain the failure (a cut-off or garbled file): Skia's own verdict stands then.</summary>
    /// <exception cref="ImageDecodingException">
    /// The first chunk is not a sound <c>IHDR</c>; it declares an empty, invalid or too large canvas
    /// (<see cref="ImageLimitExceededException"/> when over <paramref name="limits"/>); or the file ends (<c>IEND</c>)
    /// before any image data.
    /// </exception>
    public static void ThrowIfExplained(ReadOnlySpan<byte> data, DecodingLimits limits)
    {
        if (!data.StartsWith(PngChunkReader.Signature))
        {
            return;
        }

        // In the words ApngReader uses for the same faults.
        var chunks = new PngChunkReader(data);
        if (!TryReadNext(ref chunks, out var header))
        {
            return;
        }

        if (header.Type != PngChunk.Ihdr)
        {
            throw new ImageDecodingException("the PNG does not start with an IHDR chunk");
        }

        if (header.Length != 13 || !header.IsCrcValid)
        {
            throw new ImageDecodingException("the IHDR chunk is corrupt (wrong length or CRC)");
        }

        var payload = header.GetData(data);
        var width = BinaryPrimitives.ReadUInt32BigEndian(payload);
        var height = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        if (width > int.MaxValue || height > int.MaxValue)
        {
            throw new ImageDecodingException(string.Create(CultureInfo.InvariantCulture, $"the IHDR declares an invalid canvas ({width}x{height})"));
        }

        limits.Check((int)width, (int)height, 1);
        if (width > LibpngMaxSide || height > LibpngMaxSide)
        {
            throw new ImageDecodingException(string.Create(
                CultureInfo.InvariantCulture,
                $"the canvas {width}x{height} is larger than the PNG decoder reads (libpng: at most {LibpngMaxSide:N0} pixels a side)"));
        }

        while (TryReadNext(ref chunks, out var chunk))
        {
            if (chunk.Type == PngChunk.Idat)
            {
                return;
            }

            if (chunk.Type == PngChunk.Iend)
            {
                throw new ImageDecodingException("the PNG has no image data (no IDAT chunk)");
            }
        }
    }

    // A garbled chunk header ends the walk without a verdict: what Skia said about it stands.
    private static bool TryReadNext(ref PngChunkReader chunks, out PngChunk chunk)
    {
        try
        {
            return chunks.TryReadNext(out chunk);
        }
        catch (ImageDecodingException)
        {
            chunk = default;
            return false;
        }
    }
}
