using System.Diagnostics;
using System.Runtime.InteropServices;
using ImageKit.Display.MacOS.Interop;

namespace ImageKit.Display.MacOS;

/// <summary>
/// What CoreVideo's callback context names: a small object, found by a number that is never used twice (not a pointer
/// or a GC handle, whose slots are reused), that reaches its display link only through a weak reference — never a
/// player, never a delegate — so the native side keeps nothing of the app alive, and a callback CoreVideo makes late,
/// after its link was released, finds nothing (or a hub that delivers nothing) instead of freed or reused memory.
/// </summary>
/// <remarks>
/// <para>
/// <b>States.</b> Idle (the link is stopped: callbacks deliver nothing), Delivering (between StartCore and StopCore) and
/// Detached (Dispose has begun: final, callbacks deliver nothing). A callback that runs in any state but Delivering —
/// one CoreVideo makes late, after <c>CVDisplayLinkStop</c> returned, or one that starts while Dispose runs — returns
/// without touching the link.
/// </para>
/// <para>
/// <b>In-flight callbacks.</b> Each callback counts itself in before it reads the state and out when it is done. Changing
/// the state is a full fence and so is counting in, so a waiter that changed the state and then sees the count at zero
/// knows every later callback will read the new state: "stop, then <see cref="WaitUntilIdle"/>" means no tick is being
/// delivered and none will be.
/// </para>
/// </remarks>
internal sealed unsafe class CoreVideoCallbackHub
{
    private const int KCVReturnSuccess = 0;
    private const int Idle = 0;
    private const int Delivering = 1;
    private const int Detached = 2;

    // The hubs CoreVideo's callbacks can reach, by context number: registered before the callback is set, removed once
    // no callback is inside the hub any more. Lock-free reads, no allocation on the callback path.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<nint, CoreVideoCallbackHub> s_registered = new();
    private static long s_lastContext;

    [ThreadStatic]
    private static CoreVideoCallbackHub? t_inCallback;

    private readonly ICoreVideo _coreVideo;
    private readonly double _ticksPerHostTimeUnit;
    private WeakReference<CoreVideoDisplayLink>? _link;
    private IntPtr _displayLink;
    private int _state;
    private int _inFlight;

    public CoreVideoCallbackHub(ICoreVideo coreVideo)
    {
        _coreVideo = coreVideo;
        var hostFrequency = coreVideo.GetHostClockFrequency();
        _ticksPerHostTimeUnit = hostFrequency > 0 ? TimeSpan.TicksPerSecond / hostFrequency : 0;
    }

    /// <summary>How many hubs callbacks can reach now; for tests.</summary>
    public static int Registered => s_registered.Count;

    /// <summary>The output callback to give CoreVideo, with a context from <see cref="Register"/>.</summary>
    public static delegate* unmanaged<IntPtr, CVTimeStamp*, CVTimeStamp*, ulong, ulong*, IntPtr, int> Callback => &OnOutput;

    /// <summary>Callbacks currently inside ImageKit.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Whether the calling thread is inside one of this hub's callbacks.</summary>
    public bool IsCallbackThread => ReferenceEquals(t_inCallback, this);

    /// <summary>Points the hub at the link it serves, weakly: CoreVideo's handle on the hub must not keep the link alive.</summary>
    public void Attach(CoreVideoDisplayLink link) => Volatile.Write(ref _link, new WeakReference<CoreVideoDisplayLink>(link));

    /// <summary>Remembers which native link this hub serves, so that a callback for any other link is ignored.</summary>
    public void Bind(IntPtr displayLink) => Volatile.Write(ref _displayLink, displayLink);

    /// <summary>Makes <paramref name="hub"/> reachable by callbacks; returns the context to give CoreVideo.</summary>
    public static nint Register(CoreVideoCallbackHub hub)
    {
        var context = (nint)Interlocked.Increment(ref s_lastContext);
        s_registered[context] = hub;
        return context;
    }

    /// <summary>What a callback with <paramref name="context"/> reaches, if anything; for tests.</summary>
    public static object? Find(nint context) => s_registered.TryGetValue(context, out var hub) ? hub : null;

    /// <summary>Makes the hub of <paramref name="context"/> unreachable: later callbacks with it do nothing.</summary>
    public static void Unregister(nint context) => s_registered.TryRemove(context, out _);

    /// <summary>From now on callbacks deliver ticks (unless detached).</summary>
    public void StartDelivering() => Interlocked.CompareExchange(ref _state, Delivering, Idle);

    /// <summary>From now on callbacks deliver nothing until the next <see cref="StartDelivering"/>.</summary>
    public void StopDelivering() => Interlocked.CompareExchange(ref _state, Idle, Delivering);

    /// <summary>From now on, and for good, callbacks deliver nothing.</summary>
    public void Detach() => Interlocked.Exchange(ref _state, Detached);

    /// <summary>
    /// Waits until no callback is inside ImageKit, except the caller's own when it is one (it cannot wait for itself).
    /// Callbacks only dispatch to targets, which must return quickly, so a spin that backs off to sleeping is enough.
    /// </summary>
    public void WaitUntilIdle()
    {
        var own = IsCallbackThread ? 1 : 0;
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _inFlight) > own)
        {
            spinner.SpinOnce(sleep1Threshold: 20);
        }
    }

    // Runs on CoreVideo's thread. Nothing may unwind into native code, so every exception stops here; the return value is
    // ignored by CoreVideo but success is the honest answer, the link itself is fine.
    [UnmanagedCallersOnly]
    private static int OnOutput(
        IntPtr displayLink,
        CVTimeStamp* inNow,
        CVTimeStamp* inOutputTime,
        ulong flagsIn,
        ulong* flagsOut,
        IntPtr displayLinkContext)
    {
        try
        {
            // The lookup allocates nothing and sends no Objective-C message, so it may precede the pool. CoreVideo can
            // still call after CVDisplayLinkStop has returned, and even after the release: then the context is no longer
            // registered (or its hub is detached), and contexts are never reused, so no other link's hub is reached.
            if (s_registered.TryGetValue(displayLinkContext, out var hub)
                && hub._displayLink == displayLink)
            {
                hub.OnOutput(inNow, inOutputTime);
            }
        }
#pragma warning disable CA1031 // An exception must never cross into CoreVideo: it would tear down the process.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        return KCVReturnSuccess;
    }

    private void OnOutput(CVTimeStamp* inNow, CVTimeStamp* inOutputTime)
    {
        Interlocked.Increment(ref _inFlight);
        var outer = t_inCallback;
        t_inCallback = this;
        try
        {
            using var pool = new AutoreleasePoolScope(_coreVideo);
            if (Volatile.Read(ref _state) == Delivering
                && inNow is not null
                && inOutputTime is not null
                && Volatile.Read(ref _link) is { } weakLink
                && weakLink.TryGetTarget(out var link))
            {
                // Without a host time for the output, the frame is one period away: the period the timestamps carry,
                // else the last one the link knows. Never a CoreVideo query from here (see LastKnownRefreshPeriod).
                var now = ToTimeSpan(in *inNow) ?? Stopwatch.GetElapsedTime(0);
                var target = ToTimeSpan(in *inOutputTime)
                    ?? now + (VideoPeriod(in *inOutputTime) ?? VideoPeriod(in *inNow) ?? link.LastKnownRefreshPeriod);
                link.Deliver(new DisplayLinkTick(now, target));
            }
        }
        finally
        {
            t_inCallback = outer;
            Interlocked.Decrement(ref _inFlight);
        }
    }

    // videoRefreshPeriod is in units of videoTimeScale, valid with the video-time flag.
    private static TimeSpan? VideoPeriod(in CVTimeStamp timeStamp) =>
        (timeStamp.Flags & CVTimeStamp.VideoTimeValid) != 0 && timeStamp.VideoTimeScale > 0 && timeStamp.VideoRefreshPeriod > 0
            ? TimeSpan.FromTicks((long)((Int128)timeStamp.VideoRefreshPeriod * TimeSpan.TicksPerSecond / timeStamp.VideoTimeScale))
            : null;

    // Host time is mach_absolute_time, the clock Stopwatch reads on macOS (CLOCK_UPTIME_RAW): monotonic, shared by every
    // display, and comparable with timestamps taken anywhere else in the process. Video time would restart its scale and
    // origin per display. A double keeps the arithmetic simple: host time is exact up to 2^53 units (100 days of uptime
    // at Intel's 1 GHz, 12 years at Apple silicon's 24 MHz) and off by a few nanoseconds beyond, far below a TimeSpan tick.
    private TimeSpan? ToTimeSpan(in CVTimeStamp timeStamp) =>
        (timeStamp.Flags & CVTimeStamp.HostTimeValid) != 0 && _ticksPerHostTimeUnit > 0
            ? TimeSpan.FromTicks((long)(timeStamp.HostTime * _ticksPerHostTimeUnit))
            : null;
}
