using ImageKit.Caching;

namespace ImageKit.Fuzz;

/// <summary>
/// Any bytes become a disk cache's <c>index.sqlite</c>, and a cache opened on that folder is used: reads of the entries
/// the seed index holds, metadata, statistics, a sweep (SQLite's <c>quick_check</c>), a store and a read back, a trim.
/// A damaged index must be recreated, never thrown; the only exception allowed is <see cref="DiskCacheException"/> at
/// open for the two refusals (an index that is another program's database, or a newer ImageKit's). A read returns the bytes
/// stored for that key or nothing, never other bytes; a store is read back. Anything else is a finding.
/// </summary>
internal static class DiskIndexTarget
{
    /// <summary>The entries <see cref="MakeSeed"/> stores: small ones live inside the index, so the input holds their bytes.</summary>
    private static readonly (string Key, byte[] Data)[] s_entries =
    [
        ("a", Bytes(40, 1)),
        ("b", Bytes(300, 2)),
        ("https://example.com/c.gif", Bytes(2_000, 3)),
    ];

    /// <summary>Writes a seed: the index of a cache holding <see cref="s_entries"/> with metadata.</summary>
    public static void MakeSeed(string path)
    {
        var folder = Directory.CreateTempSubdirectory("imagekit-fuzz-seed-").FullName;
        try
        {
            using (var cache = new DiskImageCache(new DiskImageCacheOptions { Directory = folder }))
            {
                foreach (var (key, data) in s_entries)
                {
                    var metadata = new DiskCacheMetadata
                    {
                        ContentType = "image/gif",
                        ETag = $"\"{key.Length}\"",
                        LastModified = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
                        OriginalUrl = new Uri("https://example.com/" + key.Length),
                    };
                    cache.SetAsync(key, data, metadata).GetAwaiter().GetResult();
                }
            }

            File.Copy(Path.Combine(folder, "index.sqlite"), path, overwrite: true);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Runs one input; returns what happened.</summary>
    public static string Exercise(byte[] index) => InFolderWith(index, folder => Use(folder, "fresh", trim: true));

    /// <summary>
    /// Runs one input with two caches opening the folder at once, each on its own thread (as two processes sharing a
    /// cache folder would): both must meet the damage, or the index one of them recreated, with the same rules.
    /// </summary>
    public static string ExerciseShared(byte[] index) => InFolderWith(index, folder =>
    {
        var first = Task.Run(() => Use(folder, "fresh-1", trim: false));
        var second = Task.Run(() => Use(folder, "fresh-2", trim: false));
        try
        {
            Task.WaitAll(first, second);
        }
        catch (AggregateException e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        return $"1: {first.Result} | 2: {second.Result}";
    });

    private static string InFolderWith(byte[] index, Func<string, string> run)
    {
        var folder = Directory.CreateTempSubdirectory("imagekit-fuzz-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(folder, "index.sqlite"), index);
            return run(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Use(string folder, string freshKey, bool trim)
    {
        DiskImageCache cache;
        try
        {
            cache = new DiskImageCache(new DiskImageCacheOptions { Directory = folder, MaxAge = TimeSpan.Zero });
        }
        catch (DiskCacheException e) when (e.Message.Contains("another program's SQLite database", StringComparison.Ordinal)
            || e.Message.Contains("written by a newer ImageKit", StringComparison.Ordinal))
        {
            // The only two refusals: anything else at open is damage the cache should have recreated.
            return $"refused: {e.Message}";
        }

        using (cache)
        {
            var hits = 0;
            foreach (var (key, data) in s_entries)
            {
                if (cache.GetAsync(key).GetAwaiter().GetResult() is { } entry)
                {
                    if (!entry.Data.AsSpan().SequenceEqual(data))
                    {
                        throw new InvalidOperationException($"'{key}' read back {entry.Data.Length} bytes that are not the ones stored");
                    }

                    hits++;
                }

                _ = cache.GetMetadataAsync(key).GetAwaiter().GetResult();
                _ = cache.ContainsAsync(key).GetAwaiter().GetResult();
            }

            var statistics = cache.GetStatisticsAsync().GetAwaiter().GetResult();
            var sweep = cache.SweepAsync().GetAwaiter().GetResult();
            var fresh = Bytes(500, 9);
            cache.SetAsync(freshKey, fresh).GetAwaiter().GetResult();
            if (cache.GetAsync(freshKey).GetAwaiter().GetResult() is not { } stored || !stored.Data.AsSpan().SequenceEqual(fresh))
            {
                throw new InvalidOperationException("an entry stored after opening was not read back");
            }

            if (trim)
            {
                _ = cache.TrimAsync(maxSizeBytes: 1_000).GetAwaiter().GetResult();
            }

            return $"opened: {hits} hits, {statistics.EntryCount} entries counted, sweep {sweep}";
        }
    }

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
