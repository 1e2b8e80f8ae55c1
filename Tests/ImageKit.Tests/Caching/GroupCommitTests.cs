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
        var sharedFailures = 0;
        using var inCommit = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var commit = new GroupCommit<int>(batch =>
        {
            if (batch[0] == 0)
            {
                inCommit.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            }

            if (batch.Contains(13))
            {
                if (batch.Count > 1)
                {
                    Interlocked.Increment(ref sharedFailures);
                }

                throw new InvalidOperationException("bad write");
            }

            lock (committed)
            {
                committed.AddRange(batch);
            }
        });

        var first = Task.Run(() => commit.WriteAsync(0), TestContext.CancellationToken);
        Assert.IsTrue(inCommit.Wait(TimeSpan.FromSeconds(10)));
        var writes = Enumerable.Range(10, 6).Select(i => commit.WriteAsync(i)).ToArray();
        release.Set();
        await first.WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken);
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

        Assert.AreEqual(1, sharedFailures, "the six writes first shared one transaction");
        CollectionAssert.AreEqual(new[] { "ok", "ok", "ok", "bad write", "ok", "ok" }, outcome);
        CollectionAssert.AreEquivalent(new[] { 0, 10, 11, 12, 14, 15 }, committed);
    }
}
