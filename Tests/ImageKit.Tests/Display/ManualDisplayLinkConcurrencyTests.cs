using ImageKit.Display;

namespace ImageKit.Tests.Display;

/// <summary>
/// <see cref="ManualDisplayLinkProvider"/> on a clock whose timer callbacks can run on several threads (a real
/// <see cref="TimeProvider"/>: thread-pool timers fire again while a slow callback still runs). The link's contract holds
/// there too: ticks one at a time, and none after Dispose returns. The timer here fires only when the test says, on the
/// thread it chooses.
/// </summary>
[TestClass]
public sealed class ManualDisplayLinkConcurrencyTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_safety = TimeSpan.FromSeconds(30);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task PeriodicTick_TimerFiresAgainWhileATickIsDelivered_TicksStillArriveOneAtATime()
    {
        var time = new SteppedTimeProvider();
        using var provider = new ManualDisplayLinkProvider(time, s_period);
        using var gate = new ManualResetEventSlim();
        var target = new GatedTarget(gate);
        using var subscription = provider.GetDisplayLink().Subscribe(target);

        var first = Task.Run(time.Fire, TestContext.CancellationToken);
        Assert.IsTrue(target.Entered.Wait(s_safety, TestContext.CancellationToken), "the first tick is being delivered");
        await Task.Run(time.Fire, TestContext.CancellationToken); // the timer fires again meanwhile, on another thread
        var overlapped = target.MostAtOnce;
        gate.Set();
        await first;
        time.Fire();

        Assert.AreEqual(1, overlapped, "a tick was delivered while another was still being delivered");
        var stamps = target.Timestamps;
        Assert.IsTrue(stamps.Zip(stamps.Skip(1)).All(p => p.First < p.Second), $"ticks in order: {string.Join(", ", stamps)}");
    }

    [TestMethod]
    public async Task Dispose_WhileATickIsDeliveredOnAnotherThread_ReturnsOnlyOnceNoTickCanFollow()
    {
        var time = new SteppedTimeProvider();
        var provider = new ManualDisplayLinkProvider(time, s_period);
        using var gate = new ManualResetEventSlim();
        var blocking = new GatedTarget(gate);
        var later = new DisposeWatchingTarget();
        var link = provider.GetDisplayLink();
        using var first = link.Subscribe(blocking);
        using var second = link.Subscribe(later); // ticked after `blocking` within the same tick

        var ticking = Task.Run(time.Fire, TestContext.CancellationToken);
        Assert.IsTrue(blocking.Entered.Wait(s_safety, TestContext.CancellationToken), "a tick is being delivered");
        var disposer = new Thread(() =>
        {
            provider.Dispose();
            later.DisposeReturned = true;
        });
        disposer.Start();

        // Either Dispose returns while the tick is held (the bug), or it waits for that tick.
        Assert.IsTrue(
            SpinWait.SpinUntil(() => later.DisposeReturned || (disposer.ThreadState & ThreadState.WaitSleepJoin) != 0, s_safety),
            "Dispose neither returned nor waited");
        gate.Set();
        await ticking;
        disposer.Join();

        Assert.AreEqual(0, later.TicksAfterDispose, "a tick was delivered after Dispose returned");
        Assert.IsFalse(link.IsRunning);
    }

    /// <summary>A clock whose one timer fires only when <see cref="Fire"/> is called, on the caller's thread.</summary>
    private sealed class SteppedTimeProvider : TimeProvider
    {
        private readonly Lock _lock = new();
        private long _now;
        private TimerCallback? _callback;
        private object? _state;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _now);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_lock)
            {
                (_callback, _state) = (callback, state);
            }

            return new SteppedTimer(this);
        }

        /// <summary>Moves the clock on by one period and runs the timer's callback, if a timer is live.</summary>
        public void Fire()
        {
            Interlocked.Add(ref _now, s_period.Ticks);
            TimerCallback? callback;
            object? state;
            lock (_lock)
            {
                (callback, state) = (_callback, _state);
            }

            callback?.Invoke(state);
        }

        private void Clear()
        {
            lock (_lock)
            {
                (_callback, _state) = (null, null);
            }
        }

        // Disposing it stops later fires; like a thread-pool timer, it does not wait for a callback already running.
        private sealed class SteppedTimer(SteppedTimeProvider owner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose() => owner.Clear();

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }

    /// <summary>Its first tick waits for the gate; counts how many of its ticks run at once.</summary>
    private sealed class GatedTarget(ManualResetEventSlim gate) : IDisplayLinkTarget
    {
        private readonly Lock _lock = new();
        private readonly List<TimeSpan> _timestamps = [];
        private int _inside;
        private int _mostAtOnce;
        private int _ticks;

        public ManualResetEventSlim Entered { get; } = new();

        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        public TimeSpan[] Timestamps
        {
            get
            {
                lock (_lock)
                {
                    return [.. _timestamps];
                }
            }
        }

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            var inside = Interlocked.Increment(ref _inside);
            InterlockedMax(ref _mostAtOnce, inside);
            lock (_lock)
            {
                _timestamps.Add(tick.Timestamp);
            }

            if (Interlocked.Increment(ref _ticks) == 1)
            {
                Entered.Set();
                gate.Wait(s_safety);
            }

            Interlocked.Decrement(ref _inside);
        }

        private static void InterlockedMax(ref int location, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref location)) < value && Interlocked.CompareExchange(ref location, value, seen) != seen)
            {
            }
        }
    }

    private sealed class DisposeWatchingTarget : IDisplayLinkTarget
    {
        private int _ticksAfterDispose;
        private volatile bool _disposeReturned;

        public bool DisposeReturned
        {
            get => _disposeReturned;
            set => _disposeReturned = value;
        }

        public int TicksAfterDispose => Volatile.Read(ref _ticksAfterDispose);

        public void OnDisplayLinkTick(DisplayLinkTick tick)
        {
            if (_disposeReturned)
            {
                Interlocked.Increment(ref _ticksAfterDispose);
            }
        }
    }
}
