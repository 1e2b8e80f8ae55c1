using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A cache folder left by a process that ended with entries still in the index's write-ahead log (a crash, a power loss)
/// and that log then damaged: bytes flipped, cut short, a block zeroed, its header or a frame header overwritten. SQLite
/// replays only the frames whose checksums hold, so entries may be lost; what must hold is that the cache opens, every
/// read returns the stored bytes or a miss, never other bytes or an exception, and the cache then stores and reads again.
/// </summary>
[TestClass]
public sealed class DiskImageCacheDamagedWalTests
{
    private const int Entries = 40;
    private const int Variants = 48;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Open_WriteAheadLogDamagedAfterACrash_ReadsStoredBytesOrMissesAndKeepsWorking()
    {
        using var folder = new TempFolder();
        var snapshot = folder.Combine("snapshot");
        Directory.CreateDirectory(snapshot);
        await FillAndSnapshotWhileOpenAsync(folder.Combine("live"), snapshot);
        var wal = await File.ReadAllBytesAsync(Path.Combine(snapshot, "index.sqlite-wal"), TestContext.CancellationToken);
        Assert.IsGreaterThan(32 + 24 + 4096, wal.Length, "the snapshot's log holds frames (else there is nothing to damage)");

        // Other damage for a longer campaign: IMAGEKIT_WAL_DAMAGE_SEED=N.
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("IMAGEKIT_WAL_DAMAGE_SEED"), System.Globalization.CultureInfo.InvariantCulture, out var seed) ? seed : 20261203);
        var problems = new List<string>();
        var found = 0;
        for (var variant = 0; variant < Variants; variant++)
        {
            var copy = folder.Combine($"v{variant}");
            Directory.CreateDirectory(copy);
            File.Copy(Path.Combine(snapshot, "index.sqlite"), Path.Combine(copy, "index.sqlite"));
            var (damaged, how) = Damage(wal, random);
            await File.WriteAllBytesAsync(Path.Combine(copy, "index.sqlite-wal"), damaged, TestContext.CancellationToken);

            try
            {
                using var cache = Open(copy, TimeProvider.System);
                for (var i = 0; i < Entries; i++)
                {
                    if (await cache.GetAsync($"k{i}", TestContext.CancellationToken) is { } entry)
                    {
                        found++;
                        if (!entry.Data.AsSpan().SequenceEqual(Bytes(Size(i), i)))
                        {
                            problems.Add($"{how}: k{i} read back other bytes");
                        }
                    }
                }

                await cache.SetAsync("after", Bytes(500, 99), cancellationToken: TestContext.CancellationToken);
                if (await cache.GetAsync("after", TestContext.CancellationToken) is not { } after || !after.Data.AsSpan().SequenceEqual(Bytes(500, 99)))
                {
                    problems.Add($"{how}: a new entry did not read back");
                }
            }
            catch (Exception e)
            {
                problems.Add($"{how}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.IsEmpty(problems, string.Join("\n", problems.Take(8)));
        Assert.IsGreaterThan(0, found, "some entries survived some of the damage (else the reads were never exercised)");
        TestContext.WriteLine($"{found} of {Variants * Entries} entries read back whole across {Variants} damaged logs");
    }

    private static int Size(int i) => 600 + (i * 97 % 6000);

    // Stores the entries with the cache open, then copies the index and its log as a crash would leave them.
    private async Task FillAndSnapshotWhileOpenAsync(string live, string snapshot)
    {
        using var cache = Open(live, TimeProvider.System);
        await cache.OpeningSweep;
        for (var i = 0; i < Entries; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(Size(i), i), cancellationToken: TestContext.CancellationToken);
        }

        foreach (var name in new[] { "index.sqlite", "index.sqlite-wal" })
        {
            using var source = new FileStream(Path.Combine(live, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var target = File.Create(Path.Combine(snapshot, name));
            await source.CopyToAsync(target, TestContext.CancellationToken);
        }
    }

    private static (byte[] Damaged, string How) Damage(byte[] wal, Random random)
    {
        var damaged = (byte[])wal.Clone();
        switch (random.Next(5))
        {
            case 0:
                var flips = random.Next(1, 9);
                for (var i = 0; i < flips; i++)
                {
                    damaged[random.Next(damaged.Length)] ^= (byte)random.Next(1, 256);
                }

                return (damaged, $"{flips} bytes flipped");
            case 1:
                var length = random.Next(damaged.Length);
                return (damaged[..length], $"cut to {length} of {wal.Length} bytes");
            case 2:
                var start = random.Next(damaged.Length);
                var zeroed = Math.Min(4096, damaged.Length - start);
                Array.Clear(damaged, start, zeroed);
                return (damaged, $"{zeroed} bytes zeroed at {start}");
            case 3:
                var headerByte = random.Next(32);
                damaged[headerByte] ^= (byte)random.Next(1, 256);
                return (damaged, $"header byte {headerByte} changed");
            default:
                // Frames follow the 32-byte header: a 24-byte frame header, then a page (4,096 bytes by default).
                var frames = (damaged.Length - 32) / (24 + 4096);
                var frame = random.Next(Math.Max(frames, 1));
                var offset = 32 + (frame * (24 + 4096)) + random.Next(24);
                damaged[offset] ^= (byte)random.Next(1, 256);
                return (damaged, $"frame {frame} header byte {offset} changed");
        }
    }
}
