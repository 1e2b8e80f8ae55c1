using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace ImageKit.Decoding.Apng;

/// <summary>
/// Walks the chunks of a PNG stream. Nothing in the data is trusted: every declared length is checked against what is
/// left before anything is sliced, and every CRC is computed (the caller decides what a mismatch means for each chunk).
/// </summary>
internal ref struct PngChunkReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _offset;

    /// <summary>Why reading stopped before the end of the stream, when the data is cut off inside a chunk; otherwise null.</summary>
    public string? Truncation { get; private set; }

    /// <summary>Starts reading after the PNG signature.</summary>
    /// <exception cref="ImageDecodingException">The data does not start with the PNG signature.</exception>
    public PngChunkReader(ReadOnlySpan<byte> data)
    {
        if (!data.StartsWith(Signature))
        {
            throw new ImageDecodingException("the data does not start with the PNG signature");
        }

        _data = data;
        _offset = Signature.Length;
    }

    /// <summary>The eight bytes every PNG starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Reads the next chunk. Returns <see langword="false"/> when the data ends exactly after the previous chunk (a file
    /// without <c>IEND</c>), or inside the next chunk (a truncated file: <see cref="Truncation"/> says where). Whether
    /// either is acceptable is the caller's call.
    /// </summary>
    /// <exception cref="ImageDecodingException">A chunk header is garbage or declares an impossible length.</exception>
    public bool TryReadNext(out PngChunk chunk)
    {
        chunk = default;
        var remaining = _data.Length - _offset;
        if (remaining == 0)
        {
            return false;
        }

        if (remaining < PngChunk.Overhead)
        {
            Truncation = string.Create(CultureInfo.InvariantCulture, $"the data ends {remaining} bytes into a chunk at byte {_offset:N0} (truncated file)");
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(_data[_offset..]);
        var type = BinaryPrimitives.ReadUInt32BigEndian(_data[(_offset + 4)..]);
        if (!IsValidType(type))
        {
            // Letters are the only thing that tells a chunk header from the middle of compressed data, so a bad type
            // means an earlier length was wrong and everything after it is misaligned.
            throw new ImageDecodingException(
                string.Create(CultureInfo.InvariantCulture, $"the bytes at {_offset:N0} are not a chunk header (type {PngChunk.TypeName(type)}): a chunk length before it is corrupt"));
        }

        if (length > int.MaxValue)
        {
            throw new ImageDecodingException(
                string.Create(CultureInfo.InvariantCulture, $"the {PngChunk.TypeName(type)} chunk at byte {_offset:N0} declares {length:N0} bytes, more than PNG allows (2^31 - 1)"));
        }

        if (length > (uint)(remaining - PngChunk.Overhead))
        {
            Truncation =
                string.Create(CultureInfo.InvariantCulture, $"the {PngChunk.TypeName(type)} chunk at byte {_offset:N0} declares {length:N0} bytes but only {remaining - PngChunk.Overhead:N0} follow (truncated file)");
            return false;
        }

        var payloadLength = (int)length;
        var stored = BinaryPrimitives.ReadUInt32BigEndian(_data[(_offset + 8 + payloadLength)..]);
        var computed = Crc32.HashToUInt32(_data.Slice(_offset + 4, 4 + payloadLength));
        chunk = new PngChunk(type, _offset, payloadLength, computed == stored);
        _offset += PngChunk.Overhead + payloadLength;
        return true;
    }

    private static bool IsValidType(uint type)
    {
        for (var shift = 0; shift < 32; shift += 8)
        {
            var letter = (byte)(type >> shift);
            if (letter is not ((>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z')))
            {
                return false;
            }
        }

        return true;
    }
}
