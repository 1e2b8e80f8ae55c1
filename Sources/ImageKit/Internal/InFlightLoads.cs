namespace ImageKit.Internal;

/// <summary>
/// Counts the loads in flight and tells background work when loading has paused, so that it can yield to loads.
/// "Paused" means no load in flight for <see cref="SettleTime"/> (25 ms by default): a list of loads shows its images
/// between loads, and work that starts in each short gap would take the CPU from the next ones. Loading that never
/// pauses counts as paused once it has gone on for <see cref="MaxDeferral"/>, so that background work is held back,
/// never starved. Thread-safe.
/// </summary>
internal sealed class InFlightLoads : IDisposable
{
    /// <summary>How long no load must be in flight before loading counts as paused, by default.</summary>
    public static readonly TimeSpan DefaultSettleTime = TimeSpan.FromMilliseconds(25);

    /// <summary>How long background work is held back at most, however busy loading stays.</summary>
    public static readonly TimeSpan MaxDeferral = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly ITimer _settle;
    private readonly ITimer _deadline;
    private TaskCompletionSource _paused = NewCompleted();
    private int _inFlight;
    private bool _disposed;

    public TimeSpan SettleTime { get; }

    public InFlightLoads()
        : this(DefaultSettleTime)
    {
    }

    /// <param name="settleTime">How long no load must be in flight before loading counts as paused.</param>
    public InFlightLoads(TimeSpan settleTime)
    {
        SettleTime = settleTime;
        // Not in the context of whoever created the manager: it would stay alive as long as the manager does.
        _settle = ContextFreeTimer.Create(TimeProvider.System, static state => ((InFlightLoads)state!).OnSettled(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _deadline = ContextFreeTimer.Create(TimeProvider.System, static state => ((InFlightLoads)state!).Hurry(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Started()
    {
        lock (_lock)
        {
            if (_inFlight++ == 0 && _paused.Task.IsCompleted && !_disposed)
            {
                _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _deadline.Change(MaxDeferral, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Ended()
    {
        lock (_lock)
        {
            if (--_inFlight == 0 && !_paused.Task.IsCompleted && !_disposed)
            {
                _settle.Change(SettleTime, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Completes when loading has paused (at once if it is), or when <see cref="Hurry"/> is called.</summary>
    public Task WhenPausedAsync()
    {
        lock (_lock)
        {
            return _paused.Task;
        }
    }

    /// <summary>Releases everything waiting for a pause now, and lets it flow until loading pauses and starts again.</summary>
    public void Hurry()
    {
        TaskCompletionSource paused;
        lock (_lock)
        {
            paused = _paused;
        }

        paused.TrySetResult();
    }

    /// <summary>
    /// Stops the timers and releases everything waiting for a pause. Loads may still start and end afterwards (a load in
    /// flight when its manager is disposed); they are counted, and nothing waits for a pause any more.
    /// </summary>
    public void Dispose()
    {
        TaskCompletionSource paused;
        lock (_lock)
        {
            _disposed = true;
            paused = _paused;
            _settle.Dispose();
            _deadline.Dispose();
        }

        paused.TrySetResult();
    }

    private void OnSettled()
    {
        TaskCompletionSource? paused = null;
        lock (_lock)
        {
            // A load still in flight re-arms the timer when it ends; one that started and ended meanwhile already did.
            if (_inFlight == 0)
            {
                paused = _paused;
            }
        }

        paused?.TrySetResult();
    }

    private static TaskCompletionSource NewCompleted()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
