using System.Diagnostics;
using System.Runtime.InteropServices;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Data.Sqlite;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// Another process holds the index's write lock past the busy timeout: this cache's writers give up within about one
/// busy timeout each, together, not one after another. (Its own class: these tests sit out the 10 s timeout, and test
/// classes run in parallel.)
/// </summary>
[TestClass]
public sealed class DiskImageCacheBusyWriterTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// Another process holding the write lock past the busy timeout: each waiting inline store or removal should fail
    /// within about one busy timeout of its start (10 s, as documented), not one per failed shared transaction plus one
    /// per retried write. A removal queued behind another used to wait its turn and then a full busy timeout of its own
    /// (Microsoft.Data.Sqlite retries a busy BEGIN until its command timeout, whatever SQLite's busy timeout says): 20 s.
    /// </summary>
    [TestMethod]
    [DataRow("inline-store")]
    [DataRow("remove")]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Writes_ConcurrentInOneCacheWhileAnotherProcessHoldsTheWriteLock_EachFailsWithinAboutOneBusyTimeout(string operation)
    {
        // The busy timeout and the slack for a loaded machine: the waits are sleeps and lock timeouts, which CPU
        // starvation delays by far less than this.
        var eachWithin = TimeSpan.FromSeconds(10 + 5);
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, TimeProvider.System);
        await cache.OpeningSweep;
        Task[] stores;
        var took = new TimeSpan?[4];
        var clock = Stopwatch.StartNew();
        using (IndexWriteLock.Hold(folder.Path))
        {
            Task Write(int i) => Task.Run(
                async () =>
                {
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        await (operation == "remove" ? cache.RemoveAsync($"w{i}", TestContext.CancellationToken) : cache.SetAsync($"w{i}", Bytes(100, i), null, TestContext.CancellationToken));
                    }
                    finally
                    {
                        took[i] = watch.Elapsed;
                    }
                },
                TestContext.CancellationToken);
            var first = Write(0);
            await Task.Delay(500, TestContext.CancellationToken); // "w0" is now waiting for the lock (the committer, for stores)
            stores = [first, .. Enumerable.Range(1, 3).Select(Write)];
            var all = Task.WhenAll(stores);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(22), TestContext.CancellationToken));
            var elapsed = clock.Elapsed;
            var states = string.Join(", ", stores.Select((t, i) => $"w{i}: {t.Status}"));
            Assert.IsTrue(all.IsCompleted, $"after {elapsed.TotalSeconds:F0} s (busy timeout 10 s) stores are still waiting: {states}");
        }

        foreach (var store in stores)
        {
            var error = await Assert.ThrowsExactlyAsync<DiskCacheException>(() => store);
            Assert.IsTrue(error.InnerException is SqliteException || error.Message.Contains("locked", StringComparison.Ordinal), error.Message);
        }

        var times = string.Join(", ", took.Select((t, i) => $"w{i}: {t?.TotalSeconds:F1} s"));
        TestContext.WriteLine(times);
        Assert.IsTrue(took.All(t => t < eachWithin), $"a write waited more than about one busy timeout: {times}");
    }

    /// <summary>
    /// SQLite's busy handler sleeps in steps of up to 100 ms and counts the time it meant to sleep, not the time that
    /// passed; a signal to the waiting thread (a child process ending, a profiler) cuts a step short. Its wait then ended
    /// a little before the 10 s, and Microsoft.Data.Sqlite, finding less than its command timeout gone, began the whole
    /// wait again: 20 s. (Seen in loaded runs of the test above: "w0: 20.2 s".) Here the waiting thread gets a handled
    /// signal every half second; the write must give up once the busy timeout has passed, not before and not twice.
    /// </summary>
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Write_WhoseBusyWaitSignalsInterrupt_FailsOnceOneBusyTimeoutHasPassed()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("sends signals to one thread with tgkill, which is Linux's");
            return;
        }

        using var folder = new TempFolder();
        using var cache = Open(folder.Path, TimeProvider.System);
        await cache.OpeningSweep;
        using var handled = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, static context => context.Cancel = true);
        var threadId = 0;
        var took = TimeSpan.Zero;
        Exception? error = null;
        using (IndexWriteLock.Hold(folder.Path))
        {
            var writer = new Thread(() =>
            {
                Volatile.Write(ref threadId, ThreadSignals.CurrentThreadId());
                var watch = Stopwatch.StartNew();
                try
                {
                    // A removal writes on the calling thread: this one, the one the signals go to.
                    _ = cache.RemoveAsync("k", TestContext.CancellationToken).GetAwaiter().GetResult();
                }
                catch (Exception e)
                {
                    error = e;
                }

                took = watch.Elapsed;
            });
            writer.Start();
            while (!writer.Join(500))
            {
                if (Volatile.Read(ref threadId) is var id and not 0)
                {
                    ThreadSignals.Send(id, ThreadSignals.WindowChanged);
                }

                TestContext.CancellationToken.ThrowIfCancellationRequested();
            }
        }

        Assert.IsInstanceOfType<DiskCacheException>(error, error?.ToString());
        TestContext.WriteLine($"the write gave up after {took.TotalSeconds:F2} s");
        Assert.IsTrue(took >= TimeSpan.FromSeconds(9.9), $"gave up after {took.TotalSeconds:F2} s, before the 10 s busy timeout had passed");
        Assert.IsTrue(took < TimeSpan.FromSeconds(10 + 5), $"waited {took.TotalSeconds:F2} s: more than one busy timeout (10 s)");
    }
}
