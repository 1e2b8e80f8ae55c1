namespace ImageKit.Display.Internal;

/// <summary>
/// Live counts of what the display-link backends own, kept by the owners themselves. Leak tests assert that every count
/// returns to where it started: a thread or a callback context that outlives its link is exactly the bug this project
/// exists to prevent, and counting it at the source does not depend on how quickly the OS reaps a thread.
/// </summary>
internal static class DisplayLinkCounters
{
    private static int s_liveTimerThreads;

    /// <summary>Timer tick threads that have started and not yet returned.</summary>
    public static int LiveTimerThreads => Volatile.Read(ref s_liveTimerThreads);

    /// <summary>Callback contexts given to CoreVideo and not yet withdrawn (the hubs its callbacks can reach).</summary>
    public static int LiveCallbackHandles => MacOS.CoreVideoCallbackHub.Registered;

    public static void TimerThreadStarted() => Interlocked.Increment(ref s_liveTimerThreads);

    public static void TimerThreadExited() => Interlocked.Decrement(ref s_liveTimerThreads);
}
