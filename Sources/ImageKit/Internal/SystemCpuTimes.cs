using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ImageKit.Internal;

/// <summary>The machine's CPU time so far, over all processes and cores: how much of it was idle, of how much in all.</summary>
/// <param name="Idle">Idle time (Linux counts time waiting for I/O as idle too), in the unit of <paramref name="Total"/>.</param>
/// <param name="Total">All CPU time, in ticks or any unit the OS counts in; only differences between samples mean anything.</param>
internal readonly record struct SystemCpuSample(ulong Idle, ulong Total);

/// <summary>
/// Reads the whole machine's idle and total CPU time, so that background work can tell a process whose loads wait on a
/// network from a machine whose cores other processes keep busy (a local server, a build, another app): the process's own
/// CPU time cannot. Linux: the first line of <c>/proc/stat</c>; macOS: <c>host_statistics(HOST_CPU_LOAD_INFO)</c>;
/// Windows: <c>GetSystemTimes</c>. Anything that cannot be read (another OS, a sandbox that hides <c>/proc</c>) is
/// <see langword="null"/>, and callers then go by the process alone.
/// </summary>
internal static partial class SystemCpuTimes
{
    private const string ProcStat = "/proc/stat";

    /// <summary>How to read this OS's machine-wide CPU times; a reader that always answers <see langword="null"/> elsewhere.</summary>
    public static Func<SystemCpuSample?> Reader()
    {
        if (OperatingSystem.IsLinux())
        {
            return static () => ReadProcStat(ProcStat);
        }

        if (OperatingSystem.IsMacOS())
        {
            return ReadMac;
        }

        if (OperatingSystem.IsWindows())
        {
            return ReadWindows;
        }

        return static () => null;
    }

    /// <summary>The idle share of the machine's CPU time between two samples, or <see langword="null"/> if it cannot tell.</summary>
    public static double? IdleShare(SystemCpuSample? before, SystemCpuSample? after)
    {
        // A counter that went back (a 32-bit tick counter that wrapped, a reader that changed) tells nothing.
        if (before is not { } b || after is not { } a || a.Total <= b.Total || a.Idle < b.Idle)
        {
            return null;
        }

        return Math.Min(1.0, (double)(a.Idle - b.Idle) / (a.Total - b.Total));
    }

    /// <summary>Reads the aggregate <c>cpu</c> line of a <c>/proc/stat</c> file (only its first few hundred bytes).</summary>
    internal static SystemCpuSample? ReadProcStat(string path)
    {
        try
        {
            Span<byte> buffer = stackalloc byte[512];
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var read = RandomAccess.Read(handle, buffer, 0);
            Span<char> text = stackalloc char[read];
            for (var i = 0; i < read; i++)
            {
                text[i] = (char)buffer[i];
            }

            return ParseProcStatCpuLine(text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Parses <c>cpu  user nice system idle iowait irq softirq steal guest guest_nice</c> (USER_HZ ticks; kernels before
    /// 2.6.33 have fewer fields). Guest time is already counted in user and nice, so it is not added again.
    /// </summary>
    internal static SystemCpuSample? ParseProcStatCpuLine(ReadOnlySpan<char> text)
    {
        var end = text.IndexOf('\n');
        var line = end < 0 ? text : text[..end];
        if (!line.StartsWith("cpu "))
        {
            return null;
        }

        Span<ulong> fields = stackalloc ulong[8];
        var count = 0;
        foreach (var range in line[4..].Split(' '))
        {
            var field = line[4..][range];
            if (field.IsEmpty)
            {
                continue;
            }

            if (count == fields.Length)
            {
                break;
            }

            if (!ulong.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out fields[count]))
            {
                return null;
            }

            count++;
        }

        if (count < 4)
        {
            return null;
        }

        ulong total = 0;
        for (var i = 0; i < count; i++)
        {
            total += fields[i];
        }

        var idle = fields[3] + (count > 4 ? fields[4] : 0);
        return new SystemCpuSample(idle, total);
    }

    [SupportedOSPlatform("macos")]
    private static unsafe SystemCpuSample? ReadMac()
    {
        try
        {
            // HOST_CPU_LOAD_INFO: natural_t cpu_ticks[CPU_STATE_MAX], in the order user, system, idle, nice.
            var ticks = stackalloc uint[MacHost.CpuStateCount];
            var count = (uint)MacHost.CpuStateCount;
            if (MacHost.host_statistics(MacHost.Port, MacHost.HostCpuLoadInfo, ticks, ref count) != 0 || count < MacHost.CpuStateCount)
            {
                return null;
            }

            // 32-bit counters: they wrap after months of uptime; IdleShare drops the one interval where they do.
            return new SystemCpuSample(ticks[2], (ulong)ticks[0] + ticks[1] + ticks[2] + ticks[3]);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            return null;
        }
    }

    [SupportedOSPlatform("windows")]
    private static SystemCpuSample? ReadWindows()
    {
        try
        {
            // FILETIME counts of 100 ns over all processors; kernel time includes idle time.
            return GetSystemTimes(out var idle, out var kernel, out var user) && idle >= 0 && kernel >= 0 && user >= 0
                ? new SystemCpuSample((ulong)idle, (ulong)kernel + (ulong)user)
                : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("kernel32.dll", SetLastError = false)]
    [return: MarshalAs(UnmanagedType.Bool)]
    [SupportedOSPlatform("windows")]
    private static partial bool GetSystemTimes(out long idleTime, out long kernelTime, out long userTime);

    /// <summary>
    /// The Mach host port, asked for once: each <c>mach_host_self</c> call adds a reference to the port, and this one
    /// belongs to the process for its whole life, so it is never given back.
    /// </summary>
    [SupportedOSPlatform("macos")]
    private static unsafe partial class MacHost
    {
        public const int HostCpuLoadInfo = 3;
        public const int CpuStateCount = 4;
        private const string LibSystem = "/usr/lib/libSystem.dylib";

        public static readonly uint Port = mach_host_self();

        [LibraryImport(LibSystem)]
        public static partial int host_statistics(uint host, int flavor, uint* info, ref uint count);

        [LibraryImport(LibSystem)]
        private static partial uint mach_host_self();
    }
}
