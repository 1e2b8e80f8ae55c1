using System.Diagnostics;
using System.Globalization;
using ImageKit.Caching;
using ImageKit.Caching.Internal;

namespace ImageKit.Benchmarks;

internal static class StoreProfile
{
    public static async Task CreateTestAsync(TextWriter output, string dir)
    {
        Directory.CreateDirectory(dir);
        var data = new byte[16000];
        Random.Shared.NextBytes(data);
        for (var r = 0; r < 6; r++)
        {
            if (r == 3)
            {
                await Measure(output, "create+write+fsync+close+rename", 1000, i =>
                {
                    var p = Path.Combine(dir, Guid.NewGuid().ToString("N") + ".tmp");
                    using (var h = File.OpenHandle(p, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                    {
                        RandomAccess.Write(h, data, 0);
                        RandomAccess.FlushToDisk(h);
                    }

                    File.Move(p, p + ".kept");
                    return Task.CompletedTask;
                });
            }

            await Measure(output, "bare create+write+delete", 1000, i =>
            {
                var p = Path.Combine(dir, Guid.NewGuid().ToString("N") + ".tmp");
                using (var h = File.OpenHandle(p, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    RandomAccess.Write(h, data, 0);
                }

                File.Delete(p);
                return Task.CompletedTask;
            });
        }
    }

    public static async Task RunAsync(TextWriter output)
    {
        var images = PipelineImages.Create();
        var root = Path.Combine(Path.GetTempPath(), "imagekit-bench", "store-profile");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        var n = 0;
        var sizes = images.Select(i => i.Data.Length).Order().ToArray();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{images.Length} images, bytes: median {sizes[sizes.Length / 2]:N0}, p90 {sizes[sizes.Length * 9 / 10]:N0}, max {sizes[^1]:N0}; " +
            $"≤ 16 KiB {sizes.Count(x => x <= 16 << 10)}, ≤ 64 KiB {sizes.Count(x => x <= 64 << 10)}, ≤ 128 KiB {sizes.Count(x => x <= 128 << 10)}"));
        for (var round = 0; round < 2; round++)
        {
            // (inline threshold, flush): 0 = every entry in a file, as before inline entries existed.
            foreach (var (inline, flush) in new[] { (0, true), (0, false), (16 << 10, true), (64 << 10, true), (128 << 10, true) })
            {
                var options = new DiskImageCacheOptions { Directory = Path.Combine(root, (n++).ToString(CultureInfo.InvariantCulture)), FlushWrites = flush, MaxInlineBytes = inline };
                using (var cache = new DiskImageCache(options))
                {
                    await Measure(output, $"SetAsync inline≤{inline >> 10}K flush={flush}", images.Length, async i => await cache.SetAsync("https://example.com/img/" + i, images[i].Data));
                    await Measure(output, $"GetAsync inline≤{inline >> 10}K (hit)", images.Length, async i => _ = await cache.GetAsync("https://example.com/img/" + i));
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  index file {new FileInfo(Path.Combine(options.Directory, "index.sqlite")).Length:N0} bytes"));
            }

            var blobs = new BlobStore(Path.Combine(root, (n++).ToString(CultureInfo.InvariantCulture)));
            blobs.EnsureDirectories();
            await Measure(output, "WriteTemp flush + move", images.Length, async i =>
            {
                var t = await blobs.WriteTempAsync(images[i].Data, true, default);
                blobs.MoveIntoPlace(t, KeyHash.Of("k" + i));
            });
            await Measure(output, "WriteTemp noflush + delete", images.Length, async i =>
            {
                var t = await blobs.WriteTempAsync(images[i].Data, false, default);
                File.Delete(t);
            });
            var tmpDir = blobs.TempDirectory;
            await Measure(output, "sync OpenHandle write+delete", images.Length, i =>
            {
                var p = Path.Combine(tmpDir, Guid.NewGuid().ToString("N") + ".tmp");
                using (var h = File.OpenHandle(p, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    RandomAccess.Write(h, images[i].Data, 0);
                }

                File.Delete(p);
                return Task.CompletedTask;
            });
            await Measure(output, "sync FileStream write+delete", images.Length, i =>
            {
                var p = Path.Combine(tmpDir, Guid.NewGuid().ToString("N") + ".tmp");
                using (var fs = new FileStream(p, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 }))
                {
                    fs.Write(images[i].Data);
                }

                File.Delete(p);
                return Task.CompletedTask;
            });
            await Measure(output, "async FS noasyncopt write+del", images.Length, async i =>
            {
                var p = Path.Combine(tmpDir, Guid.NewGuid().ToString("N") + ".tmp");
                var fs = new FileStream(p, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 });
                await using (fs)
                {
                    await fs.WriteAsync(images[i].Data);
                }

                File.Delete(p);
            });
            await Measure(output, "sync OpenHandle write (kept)", images.Length, i =>
            {
                var p = Path.Combine(tmpDir, Guid.NewGuid().ToString("N") + ".tmp");
                using (var h = File.OpenHandle(p, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    RandomAccess.Write(h, images[i].Data, 0);
                }

                return Task.CompletedTask;
            });
            await Measure(output, "Task.Yield hop", images.Length, async i => await Task.Yield());
            using (var index = new IndexDatabase(Path.Combine(root, (n - 1).ToString(CultureInfo.InvariantCulture))))
            {
                await Measure(output, "index upsert txn", images.Length, i =>
                {
                    var h = KeyHash.Of("u" + i);
                    index.Write(c => { c.Upsert(h.Bytes, 100, 1, 1, DiskCacheMetadata.Empty); return 0; });
                    return Task.CompletedTask;
                });
                await Measure(output, "index upsert + inline bytes txn", images.Length, i =>
                {
                    var h = KeyHash.Of("w" + i);
                    index.Write(c => { c.Upsert(h.Bytes, images[i].Data.Length, 1, 1, DiskCacheMetadata.Empty, images[i].Data); return 0; });
                    return Task.CompletedTask;
                });
                await Measure(output, "10 upserts + inline bytes per txn", images.Length / 10, i =>
                {
                    index.Write(c =>
                    {
                        for (var j = 0; j < 10; j++)
                        {
                            var data = images[(i * 10) + j].Data;
                            c.Upsert(KeyHash.Of("x" + i + "-" + j).Bytes, data.Length, 1, 1, DiskCacheMetadata.Empty, data);
                        }

                        return 0;
                    });
                    return Task.CompletedTask;
                });
                await Measure(output, "index 10 upserts per txn", images.Length / 10, i =>
                {
                    index.Write(c =>
                    {
                        for (var j = 0; j < 10; j++)
                        {
                            c.Upsert(KeyHash.Of("v" + i + "-" + j).Bytes, 100, 1, 1, DiskCacheMetadata.Empty);
                        }

                        return 0;
                    });
                    return Task.CompletedTask;
                });
            }

            await Measure(output, "sha256 + xxhash3", images.Length, i =>
            {
                _ = KeyHash.Of("https://example.com/img/" + i);
                _ = BlobStore.Checksum(images[i].Data);
                return Task.CompletedTask;
            });
        }

        Directory.Delete(root, recursive: true);
    }

    /// <summary>
    /// The 1,000 pipeline images stored at once from pool threads, as the manager's background stores issue them, into a
    /// fresh cache per round: the wall time until every SetAsync has completed (every entry committed), and the inline
    /// transactions they shared. Rounds from the environment's IK_ROUNDS (default 6).
    /// </summary>
    public static async Task BatchAsync(TextWriter output)
    {
        var images = PipelineImages.Create();
        var root = Path.Combine(Path.GetTempPath(), "imagekit-bench", "store-batch");
        var rounds = int.Parse(Environment.GetEnvironmentVariable("IK_ROUNDS") ?? "6", CultureInfo.InvariantCulture);
        for (var round = 0; round < rounds; round++)
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            GC.Collect();
            using var cache = new DiskImageCache(new DiskImageCacheOptions { Directory = root });
            await cache.OpeningSweep;
            await Measure(output, $"{images.Length} SetAsync at once", 1, async _ =>
            {
                var tasks = new Task[images.Length];
                for (var i = 0; i < images.Length; i++)
                {
                    var image = i;
                    tasks[i] = Task.Run(() => cache.SetAsync("https://example.com/img/" + image, images[image].Data));
                }

                await Task.WhenAll(tasks);
            });
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  in {cache.InlineTransactions} transactions"));
        }

        Directory.Delete(root, recursive: true);
    }

    internal static (long User, long Sys) Ticks()
    {
        var fields = Stat();
        return (long.Parse(fields[11], CultureInfo.InvariantCulture), long.Parse(fields[12], CultureInfo.InvariantCulture));
    }

    internal static long MinorFaults() => long.Parse(Stat()[7], CultureInfo.InvariantCulture);

    // The fields of /proc/self/stat after the command name (state is field 0).
    private static string[] Stat() =>
        File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static async Task Measure(TextWriter output, string name, int count, Func<int, Task> op)
    {
        var (u0, s0) = Ticks();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            await op(i);
        }

        var wall = Stopwatch.GetElapsedTime(start);
        var (u1, s1) = Ticks();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-36} wall {wall.TotalMicroseconds / count,8:N1} µs/op  user {(u1 - u0) * 10_000.0 / count,8:N1}  sys {(s1 - s0) * 10_000.0 / count,8:N1} µs/op"));
    }
}
