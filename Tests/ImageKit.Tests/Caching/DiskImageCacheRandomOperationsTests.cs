using System.Globalization;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using ImageKit.TestWorker;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Seeded random operations of several caches on one folder at once: three worker processes and two instances in this
/// process, each with its own inline and size limits, storing, reading, removing, updating, trimming, clearing and
/// sweeping shared keys and keys of their own (<see cref="RandomCacheOperations"/> checks every answer as it comes).
/// Afterwards the folder must be consistent: nothing for a sweep to repair, totals equal to the rows, one file per file
/// row and none other, no temporary file left, every entry exactly one write of its key, and each private key holding
/// its owner's last write or nothing. In even rows one instance here is disposed mid-run: its operations may then end with
/// <see cref="ObjectDisposedException"/> (and only then), and it must leave no file open and nothing half-written.
/// <c>IMAGEKIT_CACHE_RANDOM_SEED_OFFSET</c> shifts the seeds for longer campaigns.
/// </summary>
[TestClass]
public sealed class DiskImageCacheRandomOperationsTests
{
    private const int Operations = 250;
    private const int WorkerCount = 3;
    private const int InstanceCount = 2;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task CachesOnOneFolder_RandomOperationsAtOnce_NoWrongOrResurrectedEntryAndAConsistentFolder(int row)
    {
        var seed = row + (int.TryParse(Environment.GetEnvironmentVariable("IMAGEKIT_CACHE_RANDOM_SEED_OFFSET"), CultureInfo.InvariantCulture, out var offset) ? offset : 0);
        var random = new Random(seed);
        (int Inline, long MaxSize) Limits() => (random.Next(3) switch { 0 => 0, 1 => 4096, _ => 65_536 }, random.Next(3) == 0 ? 150_000 : 0);
        var limits = Enumerable.Range(0, WorkerCount + InstanceCount).Select(_ => Limits()).ToArray();
        TestContext.WriteLine($"seed {seed}; (inline, size limit) per actor: {string.Join(", ", limits)}");

        using var folder = new TempFolder();
        var instances = Enumerable.Range(WorkerCount, InstanceCount)
            .Select(a => Open(folder.Path, TimeProvider.System, o => (o.MaxInlineBytes, o.MaxSizeBytes, o.FlushWrites) = (limits[a].Inline, limits[a].MaxSize, false)))
            .ToArray();
        try
        {
            // Every actor starts at once: the workers open their caches, say so, and wait for this file.
            var go = folder.Path + ".go";
            var workers = Enumerable.Range(0, WorkerCount)
                .Select(a => new WorkerProcess("random", folder.Path, Text(a), Text((seed * 10) + a), Text(Operations), Text(limits[a].Inline), Text(limits[a].MaxSize), go))
                .ToArray();
            try
            {
                var actors = instances.Select((cache, i) => new RandomCacheOperations(cache, WorkerCount + i, (seed * 10) + WorkerCount + i)).ToArray();
                while (!workers.All(w => w.Lines.Contains("ready") || w.HasExited))
                {
                    await Task.Delay(10, TestContext.CancellationToken);
                }

                // In even rows the last instance is disposed mid-run (Dispose or DisposeAsync), from another thread.
                var disposing = 0;
                var disposeAfter = seed % 2 == 0 ? TimeSpan.FromMilliseconds(random.Next(20, 400)) : (TimeSpan?)null;
                var disposeAsync = random.Next(2) == 0;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await File.WriteAllBytesAsync(go, [], TestContext.CancellationToken);
                var disposer = disposeAfter is { } after
                    ? Task.Run(
                        async () =>
                        {
                            await Task.Delay(after, TestContext.CancellationToken);
                            Volatile.Write(ref disposing, 1);
                            TestContext.WriteLine($"disposing a{WorkerCount + InstanceCount - 1} ({(disposeAsync ? "DisposeAsync" : "Dispose")}) after {clock.ElapsedMilliseconds} ms");
                            if (disposeAsync)
                            {
                                await instances[^1].DisposeAsync();
                            }
                            else
                            {
                                instances[^1].Dispose();
                            }
                        },
                        TestContext.CancellationToken)
                    : Task.CompletedTask;
                var findings = await Task.WhenAll(actors.Select((actor, i) => Task.Run(async () =>
                {
                    Func<bool>? disposed = i == InstanceCount - 1 ? () => Volatile.Read(ref disposing) == 1 : null;
                    var finding = await actor.RunAsync(Operations, disposed, TestContext.CancellationToken);
                    TestContext.WriteLine($"a{WorkerCount + i} done after {clock.ElapsedMilliseconds} ms: {string.Join(' ', actor.Counts.Select(c => $"{c.Key}={c.Value}"))}");
                    return finding;
                })));
                await disposer;
                var failures = findings.OfType<string>().ToList();
                var lastWrites = new Dictionary<string, int?>(StringComparer.Ordinal);
                foreach (var actor in actors)
                {
                    foreach (var (key, generation) in actor.LastWrites)
                    {
                        lastWrites[key] = generation;
                    }
                }

                foreach (var (worker, a) in workers.Select((w, a) => (w, a)))
                {
                    if (await worker.WaitForExitAsync(TestContext.CancellationToken) is var exit and not 0)
                    {
                        failures.Add($"worker a{a} (exit {exit}): {worker.Errors.Trim()}");
                        continue;
                    }

                    foreach (var line in worker.Lines.Where(l => l.StartsWith("last ", StringComparison.Ordinal)))
                    {
                        var parts = line.Split(' ');
                        lastWrites[parts[1]] = parts[2] == "-" ? null : int.Parse(parts[2], CultureInfo.InvariantCulture);
                    }

                    TestContext.WriteLine($"a{a}: {(worker.Lines is [.., var last] ? last : "")}");
                }

                Assert.IsEmpty(failures, string.Join("\n", failures));
                foreach (var instance in instances)
                {
                    instance.Dispose();
                }

                Assert.AreEqual(OperatingSystem.IsLinux() ? 0 : null, Leaks.OpenFilesUnder(folder.Path), "files of the folder this process still has open once its caches are disposed");
                await CheckFolderAsync(folder.Path, lastWrites);
                Assert.AreEqual(OperatingSystem.IsLinux() ? 0 : null, Leaks.OpenFilesUnder(folder.Path), "files of the folder still open after the check");
            }
            finally
            {
                foreach (var worker in workers)
                {
                    worker.Dispose();
                }

                File.Delete(go);
            }
        }
        finally
        {
            foreach (var instance in instances)
            {
                instance.Dispose();
            }
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task CheckFolderAsync(string folder, Dictionary<string, int?> lastWrites)
    {
        using var cache = Open(folder, TimeProvider.System);
        await cache.OpeningSweep;
        var swept = await cache.SweepAsync(TestContext.CancellationToken);
        Assert.AreEqual(new DiskCacheSweepResult(0, 0), swept, "a sweep after every cache is done finds nothing to repair");

        var statistics = await cache.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(InlineIndex.Scalar(folder, "SELECT COUNT(*) FROM entries"), statistics.EntryCount, "entry count");
        Assert.AreEqual(InlineIndex.Scalar(folder, "SELECT IFNULL(SUM(size), 0) FROM entries"), statistics.TotalBytes, "bytes");
        Assert.AreEqual(InlineIndex.Scalar(folder, "SELECT COUNT(*) FROM entries WHERE inline = 0"), BlobFiles(folder).Length, "one file per file row, no other");
        Assert.AreEqual(InlineIndex.Scalar(folder, "SELECT COUNT(*) FROM entries WHERE inline = 1"), InlineIndex.BlobRows(folder), "one blobs row per inline row");
        var temporary = Directory.Exists(Path.Combine(folder, "tmp")) ? Directory.GetFiles(Path.Combine(folder, "tmp")) : [];
        Assert.IsEmpty(temporary, "temporary files left: " + string.Join(", ", temporary));

        var found = 0;
        for (var k = 0; k < RandomCacheOperations.SharedKeys; k++)
        {
            var key = RandomCacheOperations.SharedKey(k);
            var entry = await cache.GetAsync(key, TestContext.CancellationToken);
            Assert.IsNull(RandomCacheOperations.Check(key, entry));
            found += entry is null ? 0 : 1;
        }

        for (var a = 0; a < WorkerCount + InstanceCount; a++)
        {
            for (var k = 0; k < RandomCacheOperations.PrivateKeys; k++)
            {
                var key = RandomCacheOperations.PrivateKey(a, k);
                var entry = await cache.GetAsync(key, TestContext.CancellationToken);
                Assert.IsNull(RandomCacheOperations.Check(key, entry, (lastWrites.GetValueOrDefault(key), true)));
                found += entry is null ? 0 : 1;
            }
        }

        Assert.AreEqual(statistics.EntryCount, found, "entries under keys no cache wrote");
        TestContext.WriteLine($"at the end: {found} entries, {statistics.TotalBytes} bytes");
    }
}
