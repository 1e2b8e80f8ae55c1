using System.Runtime.InteropServices;

namespace ImageKit.TestWorker;

/// <summary>
/// Makes this process unable to open another file, as a process that has run out of file descriptors is: the soft
/// <c>RLIMIT_NOFILE</c> is lowered to a little above what is open now and the rest is filled with handles to
/// <c>/dev/null</c>. Disposing closes them and restores the limit. Linux and macOS.
/// </summary>
internal sealed partial class DescriptorExhaustion : IDisposable
{
    private readonly List<SafeHandle> _held = [];
    private readonly Limit _saved;

    private DescriptorExhaustion()
    {
        var resource = OperatingSystem.IsMacOS() ? 8 : 7; // RLIMIT_NOFILE
        if (GetLimit(resource, out _saved) != 0)
        {
            throw new InvalidOperationException("getrlimit failed: " + Marshal.GetLastPInvokeError());
        }

        var open = Directory.GetFiles(OperatingSystem.IsMacOS() ? "/dev/fd" : "/proc/self/fd").Length;
        var lowered = _saved with { Current = (ulong)open + 16 };
        if (SetLimit(resource, in lowered) != 0)
        {
            throw new InvalidOperationException("setrlimit failed: " + Marshal.GetLastPInvokeError());
        }

        try
        {
            while (true)
            {
                _held.Add(File.OpenHandle("/dev/null"));
            }
        }
        catch (IOException)
        {
            // Out of descriptors: what every later open meets too.
        }
    }

    public static DescriptorExhaustion Begin() => new();

    public void Dispose()
    {
        foreach (var handle in _held)
        {
            handle.Dispose();
        }

        _held.Clear();
        var resource = OperatingSystem.IsMacOS() ? 8 : 7;
        _ = SetLimit(resource, in _saved);
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetLimit(int resource, out Limit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetLimit(int resource, in Limit limit);

    [StructLayout(LayoutKind.Sequential)]
    private record struct Limit(ulong Current, ulong Maximum);
}
