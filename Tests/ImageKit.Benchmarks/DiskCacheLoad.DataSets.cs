using System.Diagnostics;
using System.Globalization;
using ImageKit.Caching;
using Microsoft.Extensions.Time.Testing;

namespace ImageKit.Benchmarks;

internal static partial class DiskCacheLoad
{
    private sealed record DataSet(string ImageKit, string Naive, DiskImageCache ImageKitCache);

    /// <summary>Builds both caches with the same keys and use order (one second apart), or reuses them from an earlier run.</summary>
    private static async Task<DataSet> PrepareAsync(string imageKit, string naive, int entries, int size, TextWriter output)
    {
        var marker = Path.Combine(Path.GetDirectoryName(imageKit)!, Path.GetFileName(imageKit) + ".complete");
        if (!File.Exists(marker))
        {
            var start = Stopwatch.GetTimestamp();
            foreach (var folder in (string[])[imageKit, naive])
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }

            Directory.CreateDirectory(naive);
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-1));
            var options = Options(imageKit);
            options.TimeProvider = time;
            options.FlushWrites = false; // generation only; measured reads do not depend on it
            var naiveCache = new NaiveFileCache(naive);
            var data = new byte[size];
            using (var cache = new DiskImageCache(options))
            {
                for (var i = 0; i < entries; i++)
                {
                    data[0] = (byte)i;
                    data[1] = (byte)(i >> 8);
                    await cache.SetAsync(Key(i), data);
                    naiveCache.Set(Key(i), data, time.GetUtcNow().UtcDateTime);
                    time.Advance(TimeSpan.FromSeconds(1));
                }

                await cache.OpeningSweep;
            }

            // Records a sweep at the real time, so that the measured opens do not start one in the background.
            using (var cache = new DiskImageCache(Options(imageKit)))
            {
                await cache.OpeningSweep;
                await cache.SweepAsync();
            }

            await File.WriteAllTextAsync(marker, entries.ToString(CultureInfo.InvariantCulture));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(built {entries:N0} entries of {size:N0} B in both caches in {Stopwatch.GetElapsedTime(start).TotalSeconds:N0} s)"));
        }

        return new DataSet(imageKit, naive, new DiskImageCache(Options(imageKit)));
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
