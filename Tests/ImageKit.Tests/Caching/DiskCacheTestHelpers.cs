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

    public static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static string[] BlobFiles(string directory) =>
        Directory.GetFiles(Path.Combine(directory, "blobs"), "*", SearchOption.AllDirectories);
}
