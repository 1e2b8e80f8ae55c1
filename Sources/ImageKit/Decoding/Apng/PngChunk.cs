namespace ImageKit.Decoding.Apng;

/// <summary>
/// One chunk of a PNG stream, located in the encoded data: its type, where it starts, how long its payload is, and
/// whether its CRC matched. Only <see cref="PngChunkReader"/> creates chunks, after checking that they lie within the data.
/// </summary>
/// <param name="Type">The four type letters as a big-endian integer (compare with the constants below).</param>
/// <param name="Offset">Where the chunk's length field starts in the encoded data.</param>
/// <param name="Length">The payload length in bytes (without the length, type and CRC fields).</param>
/// <param name="IsCrcValid">Whether the stored CRC matches the type and payload.</param>
internal readonly record struct PngChunk(uint Type, int Offset, int Length, bool IsCrcValid)
{
    /// <summary>The bytes a chunk adds around its payload: length (4), type (4) and CRC (4).</summary>
    public const int Overhead = 12;

    public const uint Ihdr = 0x4948_4452;
    public const uint Plte = 0x504C_5445;
    public const uint Idat = 0x4944_4154;
    public const uint Iend = 0x4945_4E44;
    public const uint Trns = 0x7452_4E53;
    public const uint Gama = 0x6741_4D41;
    public const uint Chrm = 0x6348_524D;
    public const uint Srgb = 0x7352_4742;
    public const uint Iccp = 0x6943_4350;
    public const uint Sbit = 0x7342_4954;
    public const uint Actl = 0x6163_544C;
    public const uint Fctl = 0x6663_544C;
    public const uint Fdat = 0x6664_4154;

    /// <summary>Where the payload starts in the encoded data.</summary>
    public int DataOffset => Offset + 8;

    /// <summary>The whole chunk's size: payload plus <see cref="Overhead"/>.</summary>
    public int TotalLength => Length + Overhead;

    /// <summary>
    /// Whether a decoder must understand the chunk: bit 5 of the first type letter is clear (upper case). A damaged
    /// critical chunk makes the image undecodable; a damaged ancillary one is dropped, as libpng does.
    /// </summary>
    public bool IsCritical => (Type & 0x2000_0000) == 0;

    /// <summary>The type as text, for error messages.</summary>
    public string Name => TypeName(Type);

    /// <summary>The payload, sliced from the encoded data the chunk was read from.</summary>
    public ReadOnlySpan<byte> GetData(ReadOnlySpan<byte> file) => file.Slice(DataOffset, Length);

    /// <summary>Formats four type letters (stored big-endian in <paramref name="type"/>) as text.</summary>
    public static string TypeName(uint type) => string.Create(4, type, static (chars, value) =>
    {
        for (var i = 0; i < 4; i++)
        {
            var letter = (byte)(value >> (24 - (8 * i)));
            chars[i] = letter is >= 0x20 and < 0x7F ? (char)letter : '?';
        }
    });
}
