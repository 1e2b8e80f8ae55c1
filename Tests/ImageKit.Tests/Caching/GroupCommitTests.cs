using ImageKit.Caching.Internal;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class GroupCommitTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task WriteAsync_WritesArrivingDuringACommit_ShareTheNextTransaction()
    {
        var batches = new List<int[]>();
        using var inCommit = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var commit = new GroupCommit<int>(batch =>
        {
            lock (batches)
            {
                batches.Add([.. batch]);
            }

            if (batch[0] == 0)
            {
                inCommit.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            }
        });

        var first = Task.Run(() => commit.WriteAsync(0), TestContext.CancellationToken);
        Assert.IsTrue(inCommit.Wait(TimeSpan.FromSeconds(10)));
        var others = Enumerable.Range(1, 20).Select(i => commit.WriteAsync(i)).ToArray();
        Assert.IsTrue(others.All(t => !t.IsCompleted), "a write completed before its transaction committed");
        release.Set();
        await Task.WhenAll([first, .. others]).WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);

        Assert.AreEqual(2, batches.Count);
        CollectionAssert.AreEqual(Enumerable.Range(1, 20).ToArray(), batches[1]);
        Assert.AreEqual(2, commit.Transactions);
    }

    [TestMethod]
    public async Task WriteAsync_OneWriteInASharedTransactionFails_OnlyThatWriteFaults()
    {
        var committed = new List<int>();
        var commit = new GroupCommit<int>(batch =>
        {
            if (batch.Contains(13))
            {
                throw new InvalidOperationException("bad write");
            }

            lock (committed)
            {
                committed.AddRange(batch);
            }
        });

        var writes = Enumerable.Range(10, 6).Select(i => commit.WriteAsync(i, TimeSpan.FromMilliseconds(50))).ToArray();
        var outcome = await Task.WhenAll(writes.Select(async t =>
        {
            try
            {
                await t;
                return "ok";
            }
            catch (InvalidOperationException e)
            {
                return e.Message;
            }
        })).WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { "ok", "ok", "ok", "bad write", "ok", "ok" }, outcome);
        CollectionAssert.AreEquivalent(new[] { 10, 11, 12, 14, 15 }, committed);
    }

    [TestMethod]
    public async Task WriteAsync_WithLinger_WritesWithinTheWindowShareOneTransaction()
    {
        var batches = 0;
        var commit = new GroupCommit<int>(_ => Interlocked.Increment(ref batches));

        var writes = Enumerable.Range(0, 50).Select(i => commit.WriteAsync(i, TimeSpan.FromMilliseconds(200))).ToArray();
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);

        Assert.AreEqual(1, Volatile.Read(ref batches));
    }
}
