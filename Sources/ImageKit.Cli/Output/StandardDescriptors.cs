using System.Runtime.InteropServices;

namespace ImageKit.Cli.Output;

/// <summary>
/// Tells whether the process's standard input, output and error are the ones its caller gave it. A caller that closes
/// them (<c>imagekit demo &lt;&amp;- &gt;&amp;-</c>) leaves their numbers free, and the .NET runtime's first descriptors
/// as it starts take them: with standard input closed as well, descriptor 1 becomes the write end of one of the runtime's
/// own pipes, and the console writes into it: the output is lost, and the command reports success (reading
/// <c>/dev/stdin</c> then waits on the pipe's other end; dotnet/runtime#100323 describes that side). The runtime opens its descriptors
/// close-on-exec, and a descriptor that survived the <c>exec</c> that started this process cannot be, so close-on-exec
/// on 0, 1 or 2 means the caller closed it.
/// </summary>
internal static partial class StandardDescriptors
{
    private const int Input = 0;
    private const int Output = 1;
    private const int Error = 2;

    // The same on Linux and macOS.
    private const int GetDescriptorFlags = 1; // F_GETFD
    private const int CloseOnExec = 1; // FD_CLOEXEC

    /// <summary>The writer for standard output: <see cref="Console.Out"/>, unless the caller closed it.</summary>
    public static TextWriter OutputWriter() => WasClosed(Output) ? new ClosedDescriptorWriter() : Console.Out;

    /// <summary>The writer for standard error: <see cref="Console.Error"/>, unless the caller closed it.</summary>
    public static TextWriter ErrorWriter() => WasClosed(Error) ? new ClosedDescriptorWriter() : Console.Error;

    /// <summary>
    /// Whether <paramref name="path"/> names this process's standard input (<c>/dev/stdin</c>, <c>/dev/fd/0</c>,
    /// <c>/proc/self/fd/0</c>) and the caller closed it: reading it would read the runtime's own pipe, and wait forever.
    /// </summary>
    public static bool IsClosedInput(string path) =>
        path is "/dev/stdin" or "/dev/fd/0" or "/proc/self/fd/0" && WasClosed(Input);

    /// <summary>
    /// <see langword="true"/> when <paramref name="descriptor"/> is closed, or open close-on-exec and so opened by this
    /// process rather than inherited. Always <see langword="false"/> on Windows, whose standard handles are not numbered
    /// descriptors.
    /// </summary>
    internal static bool WasClosed(int descriptor)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        var flags = GetFlags(descriptor, GetDescriptorFlags);
        return flags == -1 || (flags & CloseOnExec) != 0;
    }

    // fcntl is variadic; F_GETFD passes nothing after the command, so the fixed two-argument signature is exact on every
    // calling convention (Apple's arm64 one included, which puts variadic arguments on the stack).
    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int GetFlags(int descriptor, int command);
}
