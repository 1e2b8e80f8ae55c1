using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace ImageKit.Decoding.Skia;

/// <summary>
/// Checks the channel masks of a BMP that declares its own (<c>BI_BITFIELDS</c> or <c>BI_ALPHABITFIELDS</c>) before Skia
/// sees it. A mask whose bits are not one contiguous run is refused, as Chromium's BMP decoder refuses it: Skia would
/// decode it to colours nobody meant, and print a warning to the process's standard error on the way (native output an
/// application cannot catch, and which broke the CLI's one-line error contract).
/// </summary>
/// <remarks>
/// Reads the same fields at the same offsets as Skia's BMP codec: masks after a 40-byte header, inside the header for
/// the 52-byte and larger ones, the alpha mask only from the 108- and 124-byte headers, each first cut to the pixel's
/// bit depth. Headers Skia refuses anyway are left to it.
/// </remarks>
internal static class BmpBitMasks
{
    private const int FileHeaderBytes = 14;
    private const uint BitFields = 3;
    private const uint AlphaBitFields = 6;

    /// <exception cref="ImageDecodingException">A declared channel mask is not one contiguous run of bits.</exception>
    public static void ThrowIfNotContiguous(ReadOnlySpan<byte> data)
    {
        if (data.Length < FileHeaderBytes + 20)
        {
            return;
        }

        var dib = data[FileHeaderBytes..];
        var headerBytes = BinaryPrimitives.ReadUInt32LittleEndian(dib);
        var bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(dib[14..]);
        var compression = BinaryPrimitives.ReadUInt32LittleEndian(dib[16..]);
        if (compression is not (BitFields or AlphaBitFields) || bitsPerPixel is not (16 or 24 or 32))
        {
            return;
        }

        // The 40-byte header keeps red, green and blue after itself; the larger ones inside, at the same place.
        var masksAt = headerBytes switch
        {
            40 or 52 or 56 or 108 or 124 => 40,
            _ => -1,
        };
        var channels = headerBytes is 108 or 124 ? 4 : 3;
        if (masksAt < 0 || dib.Length < masksAt + (channels * 4))
        {
            return; // Skia refuses the header or the missing bytes itself
        }

        for (var channel = 0; channel < channels; channel++)
        {
            var declared = BinaryPrimitives.ReadUInt32LittleEndian(dib[(masksAt + (channel * 4))..]);
            var mask = bitsPerPixel < 32 ? declared & ((1u << bitsPerPixel) - 1) : declared;
            if (mask != 0 && !IsContiguous(mask))
            {
                throw new ImageDecodingException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"the BMP's {ChannelName(channel)} channel mask 0x{declared:X8} is not one contiguous run of bits ({bitsPerPixel}-bit pixels)"));
            }
        }
    }

    // Shifted down to its lowest set bit, a contiguous run is one less than a power of two.
    private static bool IsContiguous(uint mask)
    {
        var run = mask >> BitOperations.TrailingZeroCount(mask);
        return (run & (run + 1)) == 0;
    }

    private static string ChannelName(int channel) => channel switch
    {
        0 => "red",
        1 => "green",
        2 => "blue",
        _ => "alpha",
    };
}
