using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using static ImageKit.Tests.Caching.DiskCacheTestHelpers;

namespace ImageKit.Tests.Caching;

/// <summary>
/// With <see cref="DiskCacheExpiryBasis.LastAccess"/>, a read keeps an entry alive. The times of reads are written to the
/// index in batches; a read that met the entry while its last access was on its way there (the batch taken out of memory,
/// its transaction not yet committed, or committed after the row was read) took the entry for expired and removed it:
/// an entry read three days ago under a seven-day limit was gone.
/// </summary>
[TestClass]
public sealed class DiskImageCacheAccessFlushTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task GetAsync_WhileTheBatchHoldingTheEntrysLastReadCommits_IsAHitAndKeepsTheEntry()
    {
        using var folder = new TempFolder();
        var clock = new ManualClock(s_start);
        using var inFlush = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var armed = 0;
        using var cache = Open(folder.Path, clock, o => o.BeforeIndexCommit = _ =>
        {
            if (Interlocked.Exchange(ref armed, 0) == 1)
            {
                inFlush.Set();
                release.Wait(TestContext.CancellationToken);
            }
        });
        await cache.SetAsync("k", Bytes(10, 1), null, TestContext.CancellationToken);
        clock.Now = s_start + TimeSpan.FromDays(5);
        Assert.IsNotNull(await cache.GetAsync("k", TestContext.CancellationToken));
        clock.Now = s_start + TimeSpan.FromDays(8);

        // The access timer's flush, held just before its commit (it holds the write lock meanwhile).
        Volatile.Write(ref armed, 1);
        var flushing = Task.Run(clock.FireTimers, TestContext.CancellationToken);
        Assert.IsTrue(inFlush.Wait(TimeSpan.FromSeconds(30), TestContext.CancellationToken), "the flush reached its commit");

        DiskCacheEntry? read = null;
        var reader = new Thread(() => read = cache.GetAsync("k", TestContext.CancellationToken).GetAwaiter().GetResult());
        reader.Start();
        // The read either finishes without the write lock, or waits for it (for a removal) until the flush lets it go.
        while ((reader.ThreadState & ThreadState.WaitSleepJoin) == 0 && reader.IsAlive)
        {
            TestContext.CancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        release.Set();
        reader.Join();
        await flushing;

        Assert.IsNotNull(read, "read 3 days ago, under a 7-day limit");
        Assert.IsNotNull(await cache.GetAsync("k", TestContext.CancellationToken), "and still there");
        Assert.AreEqual(1, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
    }

    [TestMethod]
    public async Task GetAsync_WhoseRowWasReadBeforeTheBatchHoldingItsLastReadCommitted_IsAHitAndKeepsTheEntry()
    {
        using var folder = new TempFolder();
        var clock = new ManualClock(s_start);
        using var cache = Open(folder.Path, clock);
        await cache.SetAsync("k", Bytes(10, 1), null, TestContext.CancellationToken);
        clock.Now = s_start + TimeSpan.FromDays(5);
        Assert.IsNotNull(await cache.GetAsync("k", TestContext.CancellationToken));
        clock.Now = s_start + TimeSpan.FromDays(8);

        // The read asks the clock right after it has read the row: the batch is written and committed just then.
        clock.OnNextRead = clock.FireTimers;
        var read = await cache.GetAsync("k", TestContext.CancellationToken);

        Assert.IsNotNull(read, "read 3 days ago, under a 7-day limit");
        Assert.IsNotNull(await cache.GetMetadataAsync("k", TestContext.CancellationToken), "and still there");
        Assert.AreEqual(1, (await cache.GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
    }

    /// <summary>A wall clock set by the test, whose timers fire only when the test says.</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private readonly List<(TimerCallback Callback, object? State)> _timers = [];
        private Action? _onNextRead;

        public DateTimeOffset Now { get; set; } = now;

        /// <summary>Run (once) on the thread that next reads the clock, before it gets the time.</summary>
        public Action? OnNextRead
        {
            get => Volatile.Read(ref _onNextRead);
            set => Volatile.Write(ref _onNextRead, value);
        }

        public override DateTimeOffset GetUtcNow()
        {
            Interlocked.Exchange(ref _onNextRead, null)?.Invoke();
            return Now;
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_timers)
            {
                _timers.Add((callback, state));
            }

            return new NeverTimer();
        }

        public void FireTimers()
        {
            List<(TimerCallback Callback, object? State)> timers;
            lock (_timers)
            {
                timers = [.. _timers];
            }

            foreach (var (callback, state) in timers)
            {
                callback(state);
            }
        }

        private sealed class NeverTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
