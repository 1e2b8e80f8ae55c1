using System.Diagnostics;
using System.Globalization;
using ImageKit.Caching;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Benchmarks;

internal static partial class DiskCacheLoad
{
    private sealed record DataSet(string ImageKit, string Naive, DiskImageCache ImageKitCache);

    /// <summary>
    /// Builds the ImageKit cache and the naive one with the same keys and use order (one second apart), or reuses either
    /// from an earlier run (each folder has its own marker; ImageKit folders are named by index format and inline setting,
    /// as a cache of another format would open empty).
    /// </summary>
    private static async Task<DataSet> PrepareAsync(string root, string imageKitName, string naiveName, int entries, int size, int maxInlineBytes, TextWriter output)
    {
        var imageKit = Path.Combine(root, imageKitName);
        var naive = Path.Combine(root, naiveName);
        var start = Stopwatch.GetTimestamp();
        var imageKitMarker = imageKit + ".complete";
        if (!File.Exists(imageKitMarker))
        {
            Recreate(imageKit);
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-1));
            var options = Options(imageKit, maxInlineBytes);
            options.TimeProvider = time;
            options.FlushWrites = false; // generation only; measured reads do not depend on it
            var data = new byte[size];
            using (var cache = new DiskImageCache(options))
            {
                for (var i = 0; i < entries; i++)
                {
                    data[0] = (byte)i;
                    data[1] = (byte)(i >> 8);
                    await cache.SetAsync(Key(i), data);
                    time.Advance(TimeSpan.FromSeconds(1));
                }

                await cache.OpeningSweep;
            }

            // Records a sweep at the real time, so that the measured opens do not start one in the background.
            using (var cache = new DiskImageCache(Options(imageKit, maxInlineBytes)))
            {
                await cache.OpeningSweep;
                await cache.SweepAsync();
            }

            await File.WriteAllTextAsync(imageKitMarker, entries.ToString(CultureInfo.InvariantCulture));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(built {imageKitName}: {entries:N0} entries of {size:N0} B in {Stopwatch.GetElapsedTime(start).TotalSeconds:N0} s)"));
        }

        var naiveMarker = naive + ".complete";
        if (!File.Exists(naiveMarker))
        {
            start = Stopwatch.GetTimestamp();
            Recreate(naive);
            var time = DateTime.UtcNow.AddDays(-1);
            var naiveCache = new NaiveFileCache(naive);
            var data = new byte[size];
            for (var i = 0; i < entries; i++)
            {
                data[0] = (byte)i;
                data[1] = (byte)(i >> 8);
                naiveCache.Set(Key(i), data, time.AddSeconds(i));
            }

            await File.WriteAllTextAsync(naiveMarker, entries.ToString(CultureInfo.InvariantCulture));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(built {naiveName}: {entries:N0} entries of {size:N0} B in {Stopwatch.GetElapsedTime(start).TotalSeconds:N0} s)"));
        }

        return new DataSet(imageKit, naive, new DiskImageCache(Options(imageKit, maxInlineBytes)));
    }

    private static void Recreate(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
    }

    private static void CopyFolder(string source, string destination)
    {
        if (Directory.Exists(destination))
        {
            Directory.Delete(destination, recursive: true);
        }

        Directory.CreateDirectory(destination);
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            File.Copy(file, target);
            File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(file));
        }
    }
}
