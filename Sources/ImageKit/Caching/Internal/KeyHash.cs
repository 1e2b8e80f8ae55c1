using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ImageKit.Caching.Internal;

/// <summary>
/// The SHA-256 of a key's UTF-16 code units: the index's primary key and the blob's file name. UTF-16 rather than UTF-8
/// so that keys with unpaired surrogates (which UTF-8 would replace) never collide. No key text ever becomes a path.
/// </summary>
internal readonly struct KeyHash
{
    private KeyHash(byte[] bytes)
    {
        Bytes = bytes;
        Hex = Convert.ToHexStringLower(bytes);
    }

    public byte[] Bytes { get; }

    /// <summary>64 lowercase hex digits.</summary>
    public string Hex { get; }

    public static KeyHash Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new KeyHash(SHA256.HashData(MemoryMarshal.AsBytes(key.AsSpan())));
    }

    public static KeyHash FromBytes(byte[] bytes) => new(bytes);

    /// <summary>Parses a blob file name; false for anything that is not 64 lowercase hex digits.</summary>
    public static bool TryParseHex(string name, out KeyHash hash)
    {
        hash = default;
        if (name.Length != 64 || !name.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            return false;
        }

        hash = new KeyHash(Convert.FromHexString(name));
        return true;
    }
}
