namespace ImageKit.Display.Internal;

/// <summary>
/// Live counts of what the display-link backends own, kept by the owners themselves. Leak tests assert that every count
/// returns to where it started: a thread or a GC handle that outlives its link is exactly the bug this project exists to
/// prevent, and counting it at the source does not depend on how quickly the OS reaps a thread.
/// </summary>
internal static class DisplayLinkCounters
{
    private static int s_liveTimerThreads;
    private static int s_liveCallbackHandles;

    /// <summary>Timer tick threads that have started and not yet returned.</summary>
    public static int LiveTimerThreads => Volatile.Read(ref s_liveTimerThreads);

    /// <summary>GC handles given to CoreVideo as callback context and not yet freed.</summary>
    public static int LiveCallbackHandles => Volatile.Read(ref s_liveCallbackHandles);

    public static void TimerThreadStarted() => Interlocked.Increment(ref s_liveTimerThreads);

    public static void TimerThreadExited() => Interlocked.Decrement(ref s_liveTimerThreads);

    public static void CallbackHandleAllocated() => Interlocked.Increment(ref s_liveCallbackHandles);

    public static void CallbackHandleFreed() => Interlocked.Decrement(ref s_liveCallbackHandles);
}
