using ImageKit.Display;

namespace ImageKit.Tests.Display;

/// <summary>
/// <see cref="ManualDisplayLinkProvider"/> on a real clock: disposing a thread-pool timer does not stop a callback that is
/// already on its way, so when the link stops and starts again (a new timer), the old timer's callback may still run. It
/// must deliver nothing: the new run's ticks come from the new timer only. The clock here fires any timer it ever made,
/// disposed or not, when the test says.
/// </summary>
[TestClass]
public sealed class ManualDisplayLinkRestartTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(10);

    [TestMethod]
    public void CallbackOfTheTimerOfAnEarlierRun_AfterARestart_DeliversNoTick()
    {
        var time = new RecordingTimeProvider();
        using var provider = new ManualDisplayLinkProvider(time, s_period);
        var link = provider.GetDisplayLink();
        var target = new RecordingTarget();

        link.Subscribe(target).Dispose(); // the first run: its timer is disposed by the stop
        using var subscription = link.Subscribe(target); // the second run, with a new timer
        Assert.AreEqual(2, time.TimerCount);

        time.Fire(0); // the first timer's callback, already on its way when that timer was disposed

        Assert.AreEqual(0, target.Timestamps.Count, "a callback of the stopped timer delivered a tick to the new run");
        time.Fire(1);
        time.Fire(1);
        CollectionAssert.AreEqual(
            new[] { s_period, s_period * 2 },
            target.Timestamps.ToArray(),
            "the new run's ticks fall on its own periods, none counted missed by the stale callback");
    }

    /// <summary>A clock that stands still and keeps every timer's callback; <see cref="Fire"/> runs one, disposed or not.</summary>
    private sealed class RecordingTimeProvider : TimeProvider
    {
        private readonly Lock _lock = new();
        private readonly List<(TimerCallback Callback, object? State)> _timers = [];

        public int TimerCount
        {
            get
            {
                lock (_lock)
                {
                    return _timers.Count;
                }
            }
        }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => 0;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_lock)
            {
                _timers.Add((callback, state));
            }

            return new InertTimer();
        }

        public void Fire(int timer)
        {
            (TimerCallback Callback, object? State) entry;
            lock (_lock)
            {
                entry = _timers[timer];
            }

            entry.Callback(entry.State);
        }

        private sealed class InertTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private sealed class RecordingTarget : IDisplayLinkTarget
    {
        public List<TimeSpan> Timestamps { get; } = [];

        public void OnDisplayLinkTick(DisplayLinkTick tick) => Timestamps.Add(tick.Timestamp);
    }
}
