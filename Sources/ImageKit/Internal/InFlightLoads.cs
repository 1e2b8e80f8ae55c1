namespace ImageKit.Internal;

/// <summary>
/// Counts the loads in flight and tells background work when loading has paused, so that it can yield to loads.
/// "Paused" means no load in flight for <see cref="SettleTime"/> (25 ms by default): a list of loads shows its images
/// between loads, and work that starts in each short gap would take the CPU from the next ones. Loading that never
/// pauses counts as paused once it has gone on for <see cref="MaxDeferral"/>, so that background work is held back,
/// never starved. While loads are in flight but leave the CPU idle (they wait on the network), the work waiting so far
/// is released every <see cref="HeadroomInterval"/>: yielding is for loads that need the CPU. Idle means idle for the
/// process (under its CPU quota) and, where the OS tells, for the machine: a process whose loads wait on a server running
/// on the same machine, or beside a build, leaves its own share idle while the cores are busy. Thread-safe.
/// </summary>
internal sealed class InFlightLoads : IDisposable
{
    /// <summary>How long no load must be in flight before loading counts as paused, by default.</summary>
    public static readonly TimeSpan DefaultSettleTime = TimeSpan.FromMilliseconds(25);

    /// <summary>How long background work is held back at most, however busy loading stays.</summary>
    public static readonly TimeSpan MaxDeferral = TimeSpan.FromSeconds(2);

    /// <summary>How often the process's CPU time is sampled while loads are in flight.</summary>
    public static readonly TimeSpan HeadroomInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The idle cores (of those the process may use, over one <see cref="HeadroomInterval"/>) that release waiting work;
    /// half of them when the process may use less than one core.
    /// </summary>
    internal const double SpareCoresToRelease = 0.5;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Func<TimeSpan> _cpuTime;
    private readonly Func<SystemCpuSample?> _systemCpu;
    private readonly double _availableCores;
    private readonly double _spareCoresToRelease;
    private readonly ITimer _settle;
    private readonly ITimer _deadline;
    private readonly ITimer _headroom;
    private TaskCompletionSource _paused = NewCompleted();
    private int _inFlight;
    private bool _disposed;
    private long _sampledAt;
    private TimeSpan _sampledCpu;
    private SystemCpuSample? _sampledSystemCpu;
    private bool _baselinePending;
    private long _headroomReleases;

    public TimeSpan SettleTime { get; }

    public InFlightLoads()
        : this(DefaultSettleTime)
    {
    }

    /// <param name="settleTime">How long no load must be in flight before loading counts as paused.</param>
    public InFlightLoads(TimeSpan settleTime)
        : this(settleTime, TimeProvider.System, static () => Environment.CpuUsage.TotalTime, CpuQuota.AvailableCores(), SystemCpuTimes.Reader())
    {
    }

    /// <param name="settleTime">How long no load must be in flight before loading counts as paused.</param>
    /// <param name="time">The clock of the timers and of the CPU samples.</param>
    /// <param name="cpuTime">The CPU time the process has used so far (all its threads).</param>
    /// <param name="availableCores">The cores the process may use, a fraction under a container's CPU quota.</param>
    public InFlightLoads(TimeSpan settleTime, TimeProvider time, Func<TimeSpan> cpuTime, double availableCores)
        : this(settleTime, time, cpuTime, availableCores, static () => null)
    {
    }

    /// <param name="settleTime">How long no load must be in flight before loading counts as paused.</param>
    /// <param name="time">The clock of the timers and of the CPU samples.</param>
    /// <param name="cpuTime">The CPU time the process has used so far (all its threads).</param>
    /// <param name="availableCores">The cores the process may use, a fraction under a container's CPU quota.</param>
    /// <param name="systemCpu">The machine's idle and total CPU time so far, or <see langword="null"/> where it is unknown.</param>
    public InFlightLoads(TimeSpan settleTime, TimeProvider time, Func<TimeSpan> cpuTime, double availableCores, Func<SystemCpuSample?> systemCpu)
    {
        SettleTime = settleTime;
        _time = time;
        _cpuTime = cpuTime;
        _systemCpu = systemCpu;
        _availableCores = availableCores;
        // Under a quota of less than a core, half of what the process may use.
        _spareCoresToRelease = Math.Min(SpareCoresToRelease, availableCores / 2);
        // Not in the context of whoever created the manager: it would stay alive as long as the manager does.
        _settle = ContextFreeTimer.Create(time, static state => ((InFlightLoads)state!).OnSettled(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _deadline = ContextFreeTimer.Create(time, static state => ((InFlightLoads)state!).Hurry(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _headroom = ContextFreeTimer.Create(time, static state => ((InFlightLoads)state!).OnHeadroomSample(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How many times waiting work was released because loads left the CPU idle (for tests and benchmarks).</summary>
    public long HeadroomReleases => Interlocked.Read(ref _headroomReleases);

    /// <summary>Whether the machine's CPU times can be read here (for tests).</summary>
    internal bool ReadsMachineCpu => _systemCpu() is not null;

    public void Started()
    {
        TaskCompletionSource burst;
        lock (_lock)
        {
            if (_inFlight++ != 0 || !_paused.Task.IsCompleted || _disposed)
            {
                return;
            }

            burst = _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _deadline.Change(MaxDeferral, Timeout.InfiniteTimeSpan);
            _baselinePending = true;
        }

        // The burst's baseline, read outside the lock (the machine's times are file I/O or a system call) that the other
        // loads' starts and ends take. A sample that comes first takes its own place (see OnHeadroomSample).
        var (at, cpu, systemCpu) = Sample();
        lock (_lock)
        {
            if (ReferenceEquals(_paused, burst) && _baselinePending && !_disposed)
            {
                (_sampledAt, _sampledCpu, _sampledSystemCpu) = (at, cpu, systemCpu);
                _baselinePending = false;
                _headroom.Change(HeadroomInterval, HeadroomInterval);
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
        // Completed under the lock (its continuations run asynchronously): completed after it, a CPU sample could have
        // replaced these waiters in between, and the ones it put in their place would miss the hurry.
        lock (_lock)
        {
            _paused.TrySetResult();
        }
    }

    /// <summary>
    /// Stops the timers and releases everything waiting for a pause. Loads may still start and end afterwards (a load in
    /// flight when its manager is disposed); they are counted, and nothing waits for a pause any more.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _settle.Dispose();
            _deadline.Dispose();
            _headroom.Dispose();
            _paused.TrySetResult();
        }
    }

    private void OnSettled()
    {
        lock (_lock)
        {
            // A load still in flight re-arms the timer when it ends; one that started and ended meanwhile already did.
            // Completed under the lock, as in Hurry: a CPU sample must not replace the waiters between read and completion.
            if (_inFlight == 0)
            {
                _paused.TrySetResult();
            }
        }
    }

    // While loads are in flight: if the process left at least SpareCoresToRelease cores idle since the last sample, the
    // loads are waiting (on the network, on a slow server), not computing, and what waits for a pause runs now. Work
    // deferred after this waits again.
    private void OnHeadroomSample()
    {
        TaskCompletionSource? released = null;
        var (now, cpu, systemCpu) = Sample(); // outside the lock, as in Started
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (_paused.Task.IsCompleted)
            {
                _headroom.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan); // paused, or hurried: nothing waits
                return;
            }

            // Samples taken outside the lock can arrive out of order: an older one than the baseline is no news, and one
            // that comes before its burst's baseline was stored becomes that baseline.
            if (_baselinePending)
            {
                (_sampledAt, _sampledCpu, _sampledSystemCpu) = (now, cpu, systemCpu);
                _baselinePending = false;
                return;
            }

            if (now <= _sampledAt)
            {
                return;
            }

            var wall = _time.GetElapsedTime(_sampledAt, now);
            var used = cpu - _sampledCpu;
            (_sampledAt, _sampledCpu) = (now, cpu);

            // The same machine sample again is no news, not an unknown machine: macOS answers host_statistics anew only a
            // few times a second for ordinary apps and repeats its last answer in between. The last new sample stays the
            // baseline, and nothing is released until the next one tells how idle the machine was since.
            if (systemCpu is { } current && _sampledSystemCpu is { } previous && current.Total == previous.Total)
            {
                return;
            }

            var systemIdleShare = SystemCpuTimes.IdleShare(_sampledSystemCpu, systemCpu);
            _sampledSystemCpu = systemCpu;

            // The machine's idle share of the cores this process may use: what other processes leave over.
            if (wall > TimeSpan.Zero && _availableCores - (used / wall) >= _spareCoresToRelease
                && (systemIdleShare is not { } idle || idle * _availableCores >= _spareCoresToRelease))
            {
                released = _paused;
                _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Interlocked.Increment(ref _headroomReleases);
            }
        }

        released?.TrySetResult();
    }

    private (long At, TimeSpan Cpu, SystemCpuSample? SystemCpu) Sample() => (_time.GetTimestamp(), _cpuTime(), _systemCpu());

    private static TaskCompletionSource NewCompleted()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
