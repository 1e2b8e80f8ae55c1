using System.Buffers.Binary;

namespace ImageKit.TestWorker;

/// <summary>
/// The bytes a worker stores for a key and generation: the generation, then pseudo-random bytes seeded by both, of a
/// length that varies with them. Anyone can check bytes read back against the key alone.
/// </summary>
public static class WorkerContent
{
    public static byte[] Create(string key, int generation)
    {
        ArgumentNullException.ThrowIfNull(key);
        var seed = Seed(key, generation);
        var data = new byte[4 + 64 + (seed & 0x3FFF)];
        BinaryPrimitives.WriteInt32LittleEndian(data, generation);
        new Random(seed).NextBytes(data.AsSpan(4));
        return data;
    }

    /// <summary>Whether the bytes are exactly what <see cref="Create"/> makes for the key and the generation they carry.</summary>
    public static bool IsValid(string key, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.Length >= 4 && Create(key, BinaryPrimitives.ReadInt32LittleEndian(data)).AsSpan().SequenceEqual(data);
    }

    private static int Seed(string key, int generation)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)((hash ^ (uint)generation * 2654435761u) & 0x7FFFFFFF);
    }
}
