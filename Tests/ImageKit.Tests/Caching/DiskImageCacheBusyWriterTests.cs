using System.Diagnostics;
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
    /// Another process holding the write lock past the busy timeout: each waiting inline store should fail within about
    /// one busy timeout (10 s, as documented), not one per failed shared transaction plus one per retried write.
    /// </summary>
    [TestMethod]
    [DataRow("inline-store")]
    [DataRow("remove")]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Writes_ConcurrentInOneCacheWhileAnotherProcessHoldsTheWriteLock_EachFailsWithinTwiceTheBusyTimeout(string operation)
    {
        using var folder = new TempFolder();
        using var cache = Open(folder.Path, TimeProvider.System);
        await cache.OpeningSweep;
        Task[] stores;
        var clock = Stopwatch.StartNew();
        using (IndexWriteLock.Hold(folder.Path))
        {
            Task Write(int i) => Task.Run(
                () => operation == "remove" ? cache.RemoveAsync($"w{i}", TestContext.CancellationToken) : cache.SetAsync($"w{i}", Bytes(100, i), null, TestContext.CancellationToken),
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
    }
}
