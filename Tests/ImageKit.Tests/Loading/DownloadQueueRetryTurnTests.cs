using System.Collections.Concurrent;
using ImageKit.Loading;
using ImageKit.Loading.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Loading;

/// <summary>A running download that lends its slot out for a retry's wait and takes one back (DownloadQueue.Lend, TakeBackAsync).</summary>
[TestClass]
public sealed class DownloadQueueRetryTurnTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(DownloadExecutionOrder.Fifo)]
    [DataRow(DownloadExecutionOrder.Lifo)]
    public async Task TakeBackAsync_SlotBusy_GoesAfterMoreUrgentRequestsAndBeforeThoseOfItsPriority(DownloadExecutionOrder order)
    {
        var queue = new DownloadQueue(1, order);
        var started = new ConcurrentQueue<string>();
        var lent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var mayTakeBack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var retryDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseHolder = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DownloadQueueItem retrying = null!;
        retrying = new DownloadQueueItem(DownloadPriority.Normal, async () =>
        {
            started.Enqueue("retrying");
            queue.Lend(retrying);
            lent.TrySetResult();
            await mayTakeBack.Task;
            await queue.TakeBackAsync(retrying, () => DownloadPriority.Normal, TestContext.CancellationToken);
            started.Enqueue("retrying again");
            retryDone.TrySetResult();
        });
        queue.Enqueue(retrying, TestContext.CancellationToken);
        await lent.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        queue.Enqueue(DownloadPriority.Normal, async () => { started.Enqueue("holder"); await releaseHolder.Task; }, TestContext.CancellationToken);
        Assert.IsTrue(Leaks.Eventually(() => started.Contains("holder")), "the lent slot went to the next request");
        var low = Run(queue, started, "low", DownloadPriority.Low);
        var normal1 = Run(queue, started, "normal 1", DownloadPriority.Normal);
        var normal2 = Run(queue, started, "normal 2", DownloadPriority.Normal);
        var high = Run(queue, started, "high", DownloadPriority.High);
        mayTakeBack.TrySetResult();
        Assert.IsTrue(Leaks.Eventually(() => queue.Queued == 5), $"the turn waits in the queue: {queue.Queued} queued");

        releaseHolder.TrySetResult();
        await Task.WhenAll(retryDone.Task, low, normal1, normal2, high).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        var expected = order == DownloadExecutionOrder.Fifo
            ? new[] { "retrying", "holder", "high", "retrying again", "normal 1", "normal 2", "low" }
            : new[] { "retrying", "holder", "high", "retrying again", "normal 2", "normal 1", "low" };
        CollectionAssert.AreEqual(expected, started.ToArray());
        Assert.IsTrue(Leaks.Eventually(() => queue.Active == 0 && queue.Queued == 0), $"{queue.Active} active, {queue.Queued} queued");
    }

    [TestMethod]
    public async Task LendAndTakeBack_ManyThreadsWithRandomCancellations_NeverExceedTheSlotsAndGiveEveryOneBack()
    {
        const int MaxConcurrent = 2;
        const int Items = 1_000;
        var queue = new DownloadQueue(MaxConcurrent, DownloadExecutionOrder.Fifo);
        var inSlot = 0;
        var peak = 0;
        var finished = new TaskCompletionSource[Items];
        var sources = new ConcurrentBag<CancellationTokenSource>();
        try
        {
            await Parallel.ForAsync(0, Items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.CancellationToken }, async (i, _) =>
            {
                var done = finished[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var cancel = new CancellationTokenSource();
                sources.Add(cancel);
                var random = new Random(i);
                DownloadQueueItem item = null!;
                item = new DownloadQueueItem((DownloadPriority)random.Next(3), async () =>
                {
                    try
                    {
                        for (var retry = 0; retry < 3; retry++)
                        {
                            Max(ref peak, Interlocked.Increment(ref inSlot));
                            await Task.Yield();
                            Interlocked.Decrement(ref inSlot);
                            queue.Lend(item);
                            if (random.Next(4) == 0)
                            {
                                await cancel.CancelAsync();
                            }

                            await Task.Yield();
                            var priority = (DownloadPriority)random.Next(3);
                            var raised = random.Next(3) switch
                            {
                                0 => Task.Run(() => queue.Promote(item, DownloadPriority.High)),
                                1 => Task.Run(() => queue.Reprioritize(item, () => DownloadPriority.Low)),
                                _ => Task.CompletedTask,
                            };
                            await queue.TakeBackAsync(item, () => priority, cancel.Token);
                            await raised;
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        // Cancelled while it waited for a slot again: it ends without one.
                    }
                    finally
                    {
                        done.TrySetResult();
                    }
                });
                queue.Enqueue(item, cancel.Token);

                if (item.IsCancelled)
                {
                    done.TrySetResult();
                }
            });

            await Task.WhenAll(finished.Select(f => f.Task)).WaitAsync(TimeSpan.FromSeconds(60), TestContext.CancellationToken);
            Assert.IsTrue(Leaks.Eventually(() => queue.Active == 0 && queue.Queued == 0, DownloadTestOptions.Patience), $"{queue.Active} active, {queue.Queued} queued");
            Assert.IsLessThanOrEqualTo(MaxConcurrent, peak, "more ran at once than there are slots");

            // Every slot was given back: as many items as there are slots start at once, and no more.
            var gates = Enumerable.Range(0, MaxConcurrent + 1).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var running = 0;
            foreach (var gate in gates)
            {
                queue.Enqueue(DownloadPriority.Normal, () => { Interlocked.Increment(ref running); return gate.Task; }, TestContext.CancellationToken);
            }

            Assert.IsTrue(Leaks.Eventually(() => Volatile.Read(ref running) == MaxConcurrent), $"{running} of {MaxConcurrent} slots free");
            Assert.AreEqual(1, queue.Queued);
            foreach (var gate in gates)
            {
                gate.TrySetResult();
            }
        }
        finally
        {
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }
    }

    private static Task Run(DownloadQueue queue, ConcurrentQueue<string> started, string name, DownloadPriority priority)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Enqueue(priority, () =>
        {
            started.Enqueue(name);
            done.TrySetResult();
            return Task.CompletedTask;
        }, CancellationToken.None);
        return done.Task;
    }

    private static void Max(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
