using System.ComponentModel;
using System.Runtime.InteropServices;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// Signals to one thread of this process (Linux): what a child process ending (SIGCHLD) or a sampling profiler does to
/// whichever thread the kernel picks. A handled signal cuts the thread's <c>nanosleep</c> short, which native code that
/// sleeps in steps (SQLite's busy handler) does not make up for.
/// </summary>
internal static partial class ThreadSignals
{
    /// <summary>SIGWINCH on Linux: ignored unless handled, so sending it is harmless to the rest of the process.</summary>
    public const int WindowChanged = 28;

    /// <summary>The calling thread's kernel id, for <see cref="Send"/>.</summary>
    public static int CurrentThreadId() => GetTid();

    /// <summary>Sends <paramref name="signal"/> to the thread <paramref name="threadId"/> of this process.</summary>
    public static void Send(int threadId, int signal)
    {
        if (TgKill(Environment.ProcessId, threadId, signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError());
        }
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    private static partial int TgKill(int processId, int threadId, int signal);
}
