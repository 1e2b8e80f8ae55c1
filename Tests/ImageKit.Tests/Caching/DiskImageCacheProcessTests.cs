using ImageKit.Tests.TestUtilities;
using ImageKit.TestWorker;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>Other processes on the same folder: one killed with SIGKILL mid-write, and several writing at once.</summary>
[TestClass]
public sealed class DiskImageCacheProcessTests
{
    private const int OverwrittenKeys = 6; // few keys, so that most writes replace an existing entry

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task KilledWriter_EveryVisibleEntryIsExactAndAcknowledgedNewKeysSurvive()
    {
        using var folder = new TempFolder();
        var random = new Random(20261201);
        for (var iteration = 0; iteration < 8; iteration++)
        {
            // Even iterations overwrite a few keys over and over (crash windows between rename and row); odd ones write
            // new keys, each of which must survive once acknowledged. Iterations 0, 1, 4, 5 store every entry inline
            // (one SQLite transaction each), the others every entry in a file.
            var overwrite = iteration % 2 == 0;
            var inline = iteration % 4 < 2 ? "65536" : "0";
            var prefix = $"i{iteration}-";
            int acknowledged;
            using (var worker = new WorkerProcess("write", folder.Path, prefix, "0", overwrite ? OverwrittenKeys.ToString(System.Globalization.CultureInfo.InvariantCulture) : "0", inline))
            {
                var wait = worker.WaitForAcknowledgedAsync(random.Next(5, 60));
                var finished = await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(30), TestContext.CancellationToken));
                Assert.AreSame(wait, finished, $"the worker made no progress: {worker.Errors}");
                await Task.Delay(random.Next(0, 15), TestContext.CancellationToken); // land anywhere in the next write
                worker.Kill();
                acknowledged = worker.Acknowledged;
            }

            using var cache = Open(folder.Path, TimeProvider.System, o => o.MaxAge = TimeSpan.Zero);
            var keys = overwrite ? OverwrittenKeys : acknowledged + 50;
            for (var k = 0; k < keys; k++)
            {
                var key = prefix + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var entry = await cache.GetAsync(key, TestContext.CancellationToken);
                if (entry is not null)
                {
                    Assert.IsTrue(WorkerContent.IsValid(key, entry.Data), $"iteration {iteration}: {key} has wrong bytes");
                }
                else
                {
                    Assert.IsTrue(overwrite || k > acknowledged, $"iteration {iteration}: acknowledged {key} is missing (last ack {acknowledged})");
                }
            }
        }
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task TwoWorkersAndThisProcess_WritingAtOnce_EveryEntryPresentAndExact()
    {
        using var folder = new TempFolder();
        const int PerWorker = 400;
        using var first = new WorkerProcess("mixed", folder.Path, "a-", PerWorker.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var second = new WorkerProcess("mixed", folder.Path, "b-", PerWorker.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var cache = Open(folder.Path, TimeProvider.System, o => o.MaxAge = TimeSpan.Zero))
        {
            for (var i = 0; i < PerWorker; i++)
            {
                var key = $"t-{i}";
                await cache.SetAsync(key, WorkerContent.Create(key, i), null, TestContext.CancellationToken);
                Assert.IsNotNull(await cache.GetAsync($"t-{i / 2}", TestContext.CancellationToken));
            }
        }

        Assert.AreEqual(0, await first.WaitForExitAsync(TestContext.CancellationToken), first.Errors);
        Assert.AreEqual(0, await second.WaitForExitAsync(TestContext.CancellationToken), second.Errors);

        using var reopened = Open(folder.Path, TimeProvider.System, o => o.MaxAge = TimeSpan.Zero);
        foreach (var prefix in (string[])["a-", "b-", "t-"])
        {
            for (var i = 0; i < PerWorker; i++)
            {
                var key = prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var entry = await reopened.GetAsync(key, TestContext.CancellationToken);
                Assert.IsNotNull(entry, key);
                Assert.IsTrue(WorkerContent.IsValid(key, entry.Data), key);
            }
        }

        var stats = await reopened.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(3 * PerWorker, stats.EntryCount);
        Assert.IsEmpty(BlobFiles(folder.Path), "worker content is at most 16 KiB: every entry is inline by default");
    }
}
