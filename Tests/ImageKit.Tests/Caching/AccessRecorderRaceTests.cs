using ImageKit.Caching.Internal;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Reads record their access times in a batch that a flush takes out of memory and writes to the index. A read that had
/// picked the batch up just before a flush swapped it out, and added its time after the flush had listed the batch's
/// times, put it in a batch nobody would write again: the entry's last access was lost, and trims and expiry by last
/// access took it for older than it was.
/// </summary>
[TestClass]
public sealed class AccessRecorderRaceTests
{
    private const int Keys = 32;
    private const int Rounds = 8000;
    private const int Recorders = 4;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Record_RacingFlushes_EveryRecordedTimeReachesTheIndex()
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path);
        await cache.OpeningSweep; // it brings times ahead of the clock back to now: none here, but not while this runs
        var hashes = new KeyHash[Keys];
        for (var i = 0; i < Keys; i++)
        {
            await cache.SetAsync($"k{i}", Bytes(10, i), null, TestContext.CancellationToken);
            hashes[i] = KeyHash.Of($"k{i}");
        }

        var clock = cache.Options.TimeProvider;
        using var recorder = new AccessRecorder(cache.Index, clock);
        var baseTicks = clock.GetUtcNow().UtcTicks; // each round's time a tick later than the last: later than the rows' own
        var lost = new List<string>();
        for (var round = 1; round <= Rounds && lost.Count == 0; round++)
        {
            var ticks = baseTicks + round;
            var done = 0;
            var flusher = Task.Run(
                () =>
                {
                    while (Volatile.Read(ref done) < Recorders)
                    {
                        recorder.Flush();
                    }
                },
                TestContext.CancellationToken);
            var recorders = Enumerable.Range(0, Recorders).Select(first => Task.Run(
                () =>
                {
                    for (var i = first; i < Keys; i += Recorders)
                    {
                        recorder.Record(hashes[i], ticks);
                    }

                    Interlocked.Increment(ref done);
                },
                TestContext.CancellationToken)).ToArray();
            await Task.WhenAll(recorders);
            await flusher;
            recorder.Flush();

            for (var i = 0; i < Keys; i++)
            {
                var row = cache.Index.Read(c => c.Find(hashes[i].Bytes));
                if (row!.LastAccessTicks != ticks)
                {
                    lost.Add($"round {round}: k{i} last access {row.LastAccessTicks - baseTicks}, recorded {round}");
                }
            }
        }

        Assert.IsEmpty(lost, string.Join("; ", lost));
    }
}
