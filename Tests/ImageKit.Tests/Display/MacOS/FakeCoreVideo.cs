using System.Diagnostics;
using ImageKit.Display.MacOS.Interop;

namespace ImageKit.Tests.Display.MacOS;

/// <summary>
/// CoreVideo and libobjc played by managed code: records every call in order, runs a background "CoreVideo thread" that
/// invokes the registered <c>[UnmanagedCallersOnly]</c> callback through its function pointer while the link is started,
/// and notes every breach of the contract a real CVDisplayLink would punish (stop or release on the callback thread,
/// release of a running link, a second release, unbalanced autorelease pools).
/// </summary>
internal sealed unsafe partial class FakeCoreVideo : ICoreVideo, IDisposable
{
    public static readonly IntPtr DisplayLinkRef = 0x5EED0;

    [ThreadStatic]
    private static Stack<IntPtr>? t_pools;

    [ThreadStatic]
    private static int t_pushes;

    [ThreadStatic]
    private static int t_pops;

    [ThreadStatic]
    private static bool t_inCallback;

    private readonly Lock _lock = new();
    private readonly List<string> _calls = [];
    private readonly List<string> _violations = [];
    private readonly List<CallbackRecord> _callbacks = [];
    private readonly ManualResetEventSlim _held = new();
    private readonly ManualResetEventSlim _resume = new();
    private delegate* unmanaged<IntPtr, CVTimeStamp*, CVTimeStamp*, ulong, ulong*, IntPtr, int> _callback;
    private Thread? _thread;
    private volatile bool _running;
    private int _holdArmed;
    private int _generation;
    private long _nextPool = 0x9000;
    private bool _released;
    private int _lateCallbacks;
    private volatile bool _disposed;
    private int _failingStarts;
    private int _failingStops;
    private int _failingIsRunning;

    /// <summary>What <c>CVDisplayLinkCreateWithActiveCGDisplays</c> returns (-6661 = kCVReturnInvalidDisplay: no display).</summary>
    public int CreateStatus { get; init; }

    public int SetOutputCallbackStatus { get; init; }

    /// <summary>Thrown by <c>CVDisplayLinkSetOutputCallback</c> (as a P/Invoke whose entry point is missing would), if set.</summary>
    public Exception? SetOutputCallbackException { get; init; }

    public int StartStatus { get; init; }

    /// <summary>How many of the next starts fail (with kCVReturnError), whatever <see cref="StartStatus"/> says.</summary>
    public int FailingStarts
    {
        get => Volatile.Read(ref _failingStarts);
        set => Volatile.Write(ref _failingStarts, value);
    }

    /// <summary>How many of the next stops throw (as a P/Invoke that fails to marshal would) and leave the link running.</summary>
    public int FailingStops
    {
        get => Volatile.Read(ref _failingStops);
        set => Volatile.Write(ref _failingStops, value);
    }

    /// <summary>How many of the next <c>CVDisplayLinkIsRunning</c> calls throw (as a P/Invoke that fails to marshal would).</summary>
    public int FailingIsRunning
    {
        get => Volatile.Read(ref _failingIsRunning);
        set => Volatile.Write(ref _failingIsRunning, value);
    }

    /// <summary>Whether a started link ticks on its own thread; when false, tests call <see cref="InvokeCallback"/>.</summary>
    public bool AutoTick { get; init; } = true;

    /// <summary>
    /// Whether Stop waits for a callback in flight. By default it does not, as CVDisplayLinkStop does not: Stop returns at
    /// once and the callback in flight finishes later.
    /// </summary>
    public bool StopWaitsForCallback { get; init; }

    /// <summary>
    /// Whether the fake's thread, once its link is stopped, waits for the release and then calls once more, as CoreVideo's
    /// thread has been seen to do after CVDisplayLinkStop returned; on by default, so every test that releases meets one.
    /// </summary>
    public bool LateCallbacks { get; init; } = true;

    /// <summary>How many callbacks the thread made after the link stopped.</summary>
    public int LateCallbacksMade => Volatile.Read(ref _lateCallbacks);

    public double ActualPeriodSeconds { get; set; }

    public CVTime NominalPeriod { get; set; } = new() { TimeValue = 1, TimeScale = 60 };

    public bool ThrowFromPoolPop { get; set; }

    /// <summary>The callback context CoreVideo was given.</summary>
    public IntPtr Context { get; private set; }

    public bool IsStarted => _running;

    /// <summary>Signalled when a callback is held inside its autorelease-pool push.</summary>
    public WaitHandle Held => _held.WaitHandle;

    /// <summary>The next pool push blocks, mid-callback, until <see cref="ResumeHeldCallback"/>.</summary>
    public void HoldNextCallback()
    {
        _held.Reset();
        _resume.Reset();
        Volatile.Write(ref _holdArmed, 1);
    }

    public void ResumeHeldCallback() => _resume.Set();

    /// <summary>
    /// Invokes the registered callback as CoreVideo would, on the calling thread. Host time is in nanoseconds (the
    /// fake's host clock runs at 1 GHz); <paramref name="validTimes"/> false clears both timestamps' host-time flag, and
    /// <paramref name="videoTimes"/> (default: as <paramref name="validTimes"/>) sets or clears the video-time flag alone:
    /// the timestamps' video fields say the period is 10/600 s (60 Hz).
    /// </summary>
    public int InvokeCallback(ulong? nowNs = null, ulong? outputNs = null, IntPtr? context = null, bool validTimes = true, bool? videoTimes = null)
    {
        var hostNow = nowNs ?? (ulong)(Stopwatch.GetElapsedTime(0).Ticks * 100);
        var flags = (validTimes ? CVTimeStamp.HostTimeValid : 0) | ((videoTimes ?? validTimes) ? CVTimeStamp.VideoTimeValid : 0);
        var inNow = new CVTimeStamp
        {
            VideoTimeScale = 600,
            VideoTime = (long)(hostNow / 1_666_667),
            HostTime = hostNow,
            RateScalar = 1,
            VideoRefreshPeriod = 10,
            Flags = flags,
        };
        var inOutput = inNow;
        inOutput.HostTime = outputNs ?? hostNow + 16_666_667;
        inOutput.VideoTime += 10;
        ulong flagsOut = 0;

        var pushes = t_pushes;
        var pops = t_pops;
        t_inCallback = true;
        int result;
        try
        {
            result = _callback(DisplayLinkRef, &inNow, &inOutput, 0, &flagsOut, context ?? Context);
        }
        finally
        {
            t_inCallback = false;
        }

        lock (_lock)
        {
            _callbacks.Add(new CallbackRecord(result, t_pushes - pushes, t_pops - pops, t_pools?.Count ?? 0));
        }

        return result;
    }

    public int CreateWithActiveCGDisplays(out IntPtr displayLink)
    {
        Record("Create");
        displayLink = CreateStatus == 0 ? DisplayLinkRef : IntPtr.Zero;
        return CreateStatus;
    }

    public int SetOutputCallback(
        IntPtr displayLink,
        delegate* unmanaged<IntPtr, CVTimeStamp*, CVTimeStamp*, ulong, ulong*, IntPtr, int> callback,
        IntPtr userInfo)
    {
        Record("SetOutputCallback", displayLink);
        _callback = callback;
        Context = userInfo;
        if (SetOutputCallbackException is { } exception)
        {
            throw exception;
        }

        return SetOutputCallbackStatus;
    }

    public int Start(IntPtr displayLink)
    {
        Record("Start", displayLink);
        if (StartStatus != 0)
        {
            return StartStatus;
        }

        if (Interlocked.Decrement(ref _failingStarts) >= 0)
        {
            return -6660;
        }

        Interlocked.Exchange(ref _failingStarts, 0);

        if (_running)
        {
            Violation("Start on a running link");
        }

        _running = true;
        if (AutoTick)
        {
            _thread = new Thread(Tick) { Name = "FakeCoreVideo", IsBackground = true };
            _thread.Start(Interlocked.Increment(ref _generation));
        }

        return 0;
    }

    public int Stop(IntPtr displayLink)
    {
        Record("Stop", displayLink);
        if (Thread.CurrentThread == _thread)
        {
            Violation("Stop on the callback thread");
            return 0;
        }

        if (Interlocked.Decrement(ref _failingStops) >= 0)
        {
            throw new InvalidOperationException("fake CVDisplayLinkStop failure");
        }

        Interlocked.Exchange(ref _failingStops, 0);

        _running = false;
        if (StopWaitsForCallback)
        {
            _thread?.Join();
        }

        return 0;
    }

    public bool IsRunning(IntPtr displayLink)
    {
        Record("IsRunning", displayLink);
        if (Interlocked.Decrement(ref _failingIsRunning) >= 0)
        {
            throw new InvalidOperationException("fake CVDisplayLinkIsRunning failure");
        }

        Interlocked.Exchange(ref _failingIsRunning, 0);
        return _running;
    }

    public void Release(IntPtr displayLink)
    {
        Record("Release", displayLink);
        if (Thread.CurrentThread == _thread)
        {
            Violation("Release on the callback thread");
        }

        if (_running)
        {
            Violation("Release of a running link");
        }

        lock (_lock)
        {
            if (_released)
            {
                _violations.Add("Release of a released link");
            }

            _released = true;
        }

        // The link's thread ends, but not before this returns, and it may still call once more (see LateCallbacks).
        _running = false;
    }

    public CVTime GetNominalOutputVideoRefreshPeriod(IntPtr displayLink)
    {
        Record("GetNominalPeriod", displayLink);
        return NominalPeriod;
    }

    public double GetActualOutputVideoRefreshPeriod(IntPtr displayLink)
    {
        Record("GetActualPeriod", displayLink);
        return ActualPeriodSeconds;
    }

    public double GetHostClockFrequency() => 1e9;

    public IntPtr AutoreleasePoolPush()
    {
        Record("Push");
        var pool = checked((IntPtr)Interlocked.Increment(ref _nextPool));
        (t_pools ??= new Stack<IntPtr>()).Push(pool);
        t_pushes++;
        if (Interlocked.Exchange(ref _holdArmed, 0) == 1)
        {
            _held.Set();
            _resume.Wait();
        }

        return pool;
    }

    public void AutoreleasePoolPop(IntPtr pool)
    {
        Record("Pop");
        t_pops++;
        if (t_pools is null || t_pools.Count == 0 || t_pools.Pop() != pool)
        {
            Violation("Pop of a pool that is not the innermost one");
        }

        if (ThrowFromPoolPop)
        {
            throw new InvalidOperationException("fake libobjc failure");
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _running = false;
        _resume.Set();
        _thread?.Join();
        _held.Dispose();
        _resume.Dispose();
    }

    // One thread per start: a thread from an earlier start that outlived its Stop ends instead of ticking alongside.
    private void Tick(object? generation)
    {
        while (_running && (int)generation! == Volatile.Read(ref _generation))
        {
            InvokeCallback();
            Thread.Sleep(1);
        }

        if (!LateCallbacks)
        {
            return;
        }

        // The harshest case: the late call comes after the link was released (unless it is started again first, when
        // that start's own thread ticks, or the fake is disposed).
        while (!Volatile.Read(ref _released) && !_disposed && (int)generation! == Volatile.Read(ref _generation))
        {
            Thread.Sleep(1);
        }

        if (Volatile.Read(ref _released) && !_disposed)
        {
            Interlocked.Increment(ref _lateCallbacks);
            InvokeCallback();
        }
    }
}
