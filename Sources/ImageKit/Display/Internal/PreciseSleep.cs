using System.Runtime.InteropServices;

namespace ImageKit.Display.Internal;

/// <summary>
/// Sub-millisecond sleeps for the timer display link. .NET's own sleeps and waits count whole milliseconds, so landing
/// within a tenth of a millisecond of a tick used to mean spinning for one to two milliseconds of every 16.7 — a tenth
/// of a core for an animation. POSIX <c>nanosleep</c> (Linux, macOS) sleeps to about 0.1 ms; elsewhere, or if the
/// call is unavailable, <see cref="TrySleep"/> returns false and the caller spins as before.
/// </summary>
internal static partial class PreciseSleep
{
    private static bool s_unavailable = !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS());

    /// <summary>Sleeps about <paramref name="ticks"/> Stopwatch ticks; returns false when it cannot sleep that precisely.</summary>
    public static bool TrySleep(long ticks)
    {
        if (Volatile.Read(ref s_unavailable) || ticks <= 0)
        {
            return false;
        }

        var nanoseconds = ticks * 1_000_000_000.0 / System.Diagnostics.Stopwatch.Frequency;
        var request = new TimeSpec { Seconds = (nint)(nanoseconds / 1e9), Nanoseconds = (nint)(nanoseconds % 1e9) };
        try
        {
            // An interrupted sleep (EINTR) returns early: the caller re-checks the time and waits again.
            _ = NanoSleep(in request, IntPtr.Zero);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_unavailable, true);
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(in TimeSpec request, IntPtr remaining);

    // struct timespec on 64-bit Linux and macOS: time_t and long, both pointer-sized.
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }
}
