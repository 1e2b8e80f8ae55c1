using ImageKit.Loading;
using ImageKit.Loading.Internal;

namespace ImageKit.Tests.Loading;

/// <summary>The download queue under concurrent load: slots are never exceeded, nothing runs twice or after cancellation.</summary>
[TestClass]
public sealed class DownloadQueueTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Enqueue_ManyThreadsWithRandomCancellations_NeverExceedsTheSlotsAndRunsEachSurvivorOnce()
    {
        const int MaxConcurrent = 3;
        const int Items = 2_000;
        var queue = new DownloadQueue(MaxConcurrent, DownloadExecutionOrder.Fifo);
        var running = 0;
        var peak = 0;
        var runs = new int[Items];
        var cancelledBeforeStart = new bool[Items];
        var finished = new TaskCompletionSource[Items];
        using var sources = new DisposableList();

        await Parallel.ForAsync(0, Items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.CancellationToken }, async (i, _) =>
        {
            finished[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var cancel = sources.Add(new CancellationTokenSource());
            var random = new Random(i);
            if (random.Next(10) == 0)
            {
                await cancel.CancelAsync(); // cancelled before it is even queued
            }

            var item = queue.Enqueue((DownloadPriority)random.Next(3), async () =>
            {
                Interlocked.Increment(ref runs[i]);
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref peak, now);
                await Task.Yield();
                Interlocked.Decrement(ref running);
                finished[i].TrySetResult();
            }, cancel.Token);

            if (random.Next(5) == 0)
            {
                await cancel.CancelAsync(); // cancelled while queued, running or done
            }

            if (item.IsCancelled)
            {
                cancelledBeforeStart[i] = true;
                finished[i].TrySetResult();
            }
        });

        await Task.WhenAll(finished.Select(f => f.Task)).WaitAsync(TimeSpan.FromSeconds(30), TestContext.CancellationToken);
        await WaitUntilAsync(() => queue.Active == 0 && queue.Queued == 0);

        Assert.IsLessThanOrEqualTo(MaxConcurrent, peak, "more downloads ran at once than there are slots");
        for (var i = 0; i < Items; i++)
        {
            Assert.AreEqual(cancelledBeforeStart[i] ? 0 : 1, runs[i], $"item {i} (cancelled before it started: {cancelledBeforeStart[i]})");
        }

        Assert.IsGreaterThan(0, cancelledBeforeStart.Count(c => c), "some items were cancelled before they ran");
    }

    [TestMethod]
    public async Task Enqueue_AfterComplete_ThrowsAndLeavesNothingQueued()
    {
        var queue = new DownloadQueue(2, DownloadExecutionOrder.Lifo);
        queue.Complete();

        Assert.ThrowsExactly<ObjectDisposedException>(() => queue.Enqueue(DownloadPriority.Normal, () => Task.CompletedTask, CancellationToken.None));
        await WaitUntilAsync(() => queue.Queued == 0);
        Assert.AreEqual(0, queue.Active);
    }

    private static void InterlockedMax(ref int target, int value)
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

    // An eventual property: the slot of the last item to finish is given back after its continuation, which a loaded
    // machine can hold back for seconds (200 polls of 10 ms were too little patience); a stuck count fails it all the same.
    private async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + DownloadTestOptions.Patience;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.CancellationToken);
        }

        Assert.IsTrue(condition());
    }

    private sealed class DisposableList : IDisposable
    {
        private readonly System.Collections.Concurrent.ConcurrentBag<IDisposable> _items = [];

        public T Add<T>(T item)
            where T : IDisposable
        {
            _items.Add(item);
            return item;
        }

        public void Dispose()
        {
            foreach (var item in _items)
            {
                item.Dispose();
            }
        }
    }
}
