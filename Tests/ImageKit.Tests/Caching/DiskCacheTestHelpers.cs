using ImageKit.Caching;
using ImageKit.Caching.Internal;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Tests.Caching;

internal static class DiskCacheTestHelpers
{
    public static DiskImageCache Open(string directory, TimeProvider? time = null, Action<DiskImageCacheOptions>? configure = null)
    {
        var options = new DiskImageCacheOptions { Directory = directory, TimeProvider = time ?? new FakeTimeProvider() };
        configure?.Invoke(options);
        return new DiskImageCache(options);
    }

    public static string BlobPath(string directory, string key)
    {
        var hex = KeyHash.Of(key).Hex;
        return Path.Combine(directory, "blobs", hex[..2], hex);
    }

    /// <summary>
    /// Stores 400 entries (k0…k399, <see cref="Bytes"/>(300, i)), then overwrites the middle third of the index file with
    /// garbage: damage the cheap probe at open does not read, and SQLite's quick_check (the sweep) does.
    /// </summary>
    public static async Task FillThenDamageIndexMiddleAsync(string directory, CancellationToken cancellationToken)
    {
        using (var cache = Open(directory, configure: o => o.FlushWrites = false))
        {
            // Its sweep records when it ran, so that the next cache on the folder does not sweep (and meet the damage) at open.
            await cache.OpeningSweep;
            for (var i = 0; i < 400; i++)
            {
                await cache.SetAsync($"k{i}", Bytes(300, i), new DiskCacheMetadata { ETag = new string('e', 200) }, cancellationToken);
            }
        }

        using var stream = File.OpenWrite(Path.Combine(directory, "index.sqlite"));
        stream.Position = stream.Length / 3;
        stream.Write(Bytes((int)(stream.Length / 3), 5));
    }

    public static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Stores k0, k1, … of <paramref name="firstSize"/>, <paramref name="firstSize"/> + 1, … bytes (seeded by their index).</summary>
    public static async Task FillAsync(DiskImageCache cache, int count, int firstSize, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(firstSize + i, i), null, cancellationToken);
        }
    }

    public static string[] BlobFiles(string directory) =>
        Directory.GetFiles(Path.Combine(directory, "blobs"), "*", SearchOption.AllDirectories);
}
