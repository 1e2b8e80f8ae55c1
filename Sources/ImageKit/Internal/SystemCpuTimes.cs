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
    private const string ProcSelfStatus = "/proc/self/status";

    // A /proc/stat line is at most ~220 bytes (a label and ten 20-digit counters).
    private const int MaxProcStatLineBytes = 256;

    // CPU numbers above this in an affinity list are not believed (and not allocated for).
    private const int MaxCpuNumber = 1 << 16;

    /// <summary>
    /// How to read this OS's machine-wide CPU times; a reader that always answers <see langword="null"/> elsewhere. On
    /// Linux, a process held to some of the CPUs (<c>taskset</c>, a container's cpuset) counts those CPUs only, as its
    /// <see cref="Environment.ProcessorCount"/> does; the affinity is read once, here.
    /// </summary>
    public static Func<SystemCpuSample?> Reader()
    {
        if (OperatingSystem.IsLinux())
        {
            return AllowedCpus(ProcSelfStatus, ProcStat) is { } allowed
                ? () => ReadProcStat(ProcStat, allowed)
                : static () => ReadProcStat(ProcStat);
        }

        if (OperatingSystem.IsMacOS())
        {
            return ReadMac;
        }

        if (OperatingSystem.IsWindows())
        {
            // Above 64 logical processors Windows sums the times of the calling thread's processor group only, and two
            // samples taken on different threads could come from different groups.
            return GetActiveProcessorGroupCount() > 1 ? static () => null : ReadWindows;
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

    /// <summary>
    /// Reads the aggregate <c>cpu</c> line of a <c>/proc/stat</c> file, which comes first (the kernel still makes the
    /// whole file on each open: a cost that grows with the machine's CPUs and interrupts).
    /// </summary>
    internal static SystemCpuSample? ReadProcStat(string path)
    {
        Span<byte> buffer = stackalloc byte[2 * MaxProcStatLineBytes];
        Span<char> text = stackalloc char[buffer.Length];
        return ReadStart(path, buffer, text) is { } read ? ParseProcStatCpuLine(text[..read]) : null;
    }

    /// <summary>
    /// Reads the <c>cpuN</c> lines of a <c>/proc/stat</c> file whose N is <see langword="true"/> in
    /// <paramref name="allowed"/>, and adds them up; <see langword="null"/> when none of them is there.
    /// </summary>
    internal static SystemCpuSample? ReadProcStat(string path, bool[] allowed)
    {
        // The per-CPU lines follow the aggregate line in CPU order: the last allowed one is within this many bytes.
        var length = (allowed.Length + 1) * MaxProcStatLineBytes;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        var chars = System.Buffers.ArrayPool<char>.Shared.Rent(length);
        try
        {
            if (ReadStart(path, buffer.AsSpan(0, length), chars.AsSpan(0, length)) is not { } read)
            {
                return null;
            }

            // A line cut off at the end of the buffer is left out (never parsed as a shorter number).
            var text = chars.AsSpan(0, read);
            return SumAllowedCpuLines(read == length ? text[..(text.LastIndexOf('\n') + 1)] : text, allowed);
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(chars);
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Adds up the <c>cpuN</c> lines of <c>/proc/stat</c> text whose N is allowed.</summary>
    internal static SystemCpuSample? SumAllowedCpuLines(ReadOnlySpan<char> text, bool[] allowed)
    {
        ulong idle = 0, total = 0;
        var found = false;
        foreach (var range in text.Split('\n'))
        {
            var line = text[range];
            if (!line.StartsWith("cpu"))
            {
                break; // the CPU lines come first, together
            }

            var label = line.IndexOf(' ');
            if (label <= 3 || !int.TryParse(line[3..label], NumberStyles.None, CultureInfo.InvariantCulture, out var cpu)
                || cpu >= allowed.Length || !allowed[cpu])
            {
                continue; // the aggregate line, or a CPU this process may not use
            }

            if (ParseCpuFields(line[label..]) is not { } sample)
            {
                return null;
            }

            (idle, total, found) = (idle + sample.Idle, total + sample.Total, true);
        }

        return found ? new SystemCpuSample(idle, total) : null;
    }

    /// <summary>
    /// The CPUs this process may run on, from the <c>Cpus_allowed_list</c> of <paramref name="statusPath"/>, when they are
    /// fewer than the CPUs <paramref name="statPath"/> lists; <see langword="null"/> when the process may use them all or
    /// it cannot tell.
    /// </summary>
    internal static bool[]? AllowedCpus(string statusPath, string statPath)
    {
        try
        {
            var status = File.ReadAllText(statusPath);
            const string Field = "Cpus_allowed_list:";
            var start = status.IndexOf(Field, StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }

            var value = status.AsSpan(start + Field.Length);
            var end = value.IndexOf('\n');
            if (ParseCpuList((end < 0 ? value : value[..end]).Trim()) is not { } allowed)
            {
                return null;
            }

            foreach (var line in File.ReadLines(statPath))
            {
                if (!line.StartsWith("cpu", StringComparison.Ordinal))
                {
                    break;
                }

                var label = line.IndexOf(' ', StringComparison.Ordinal);
                if (label > 3 && int.TryParse(line.AsSpan(3, label - 3), NumberStyles.None, CultureInfo.InvariantCulture, out var cpu)
                    && (cpu >= allowed.Length || !allowed[cpu]))
                {
                    return allowed; // a CPU of the machine this process may not use
                }
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Parses a Linux CPU list (<c>0-3,8,10-11</c>) into flags by CPU number; <see langword="null"/> if malformed.</summary>
    internal static bool[]? ParseCpuList(ReadOnlySpan<char> list)
    {
        var ranges = new List<(int First, int Last)>();
        foreach (var range in list.Split(','))
        {
            var part = list[range];
            var dash = part.IndexOf('-');
            var firstText = dash < 0 ? part : part[..dash];
            var lastText = dash < 0 ? part : part[(dash + 1)..];
            if (!int.TryParse(firstText, NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !int.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                || last < first || last >= MaxCpuNumber)
            {
                return null;
            }

            ranges.Add((first, last));
        }

        var allowed = new bool[ranges.Max(r => r.Last) + 1];
        foreach (var (first, last) in ranges)
        {
            allowed.AsSpan(first, last - first + 1).Fill(true);
        }

        return allowed;
    }

    // Reads the start of a /proc file into text (its bytes are ASCII): how many characters, or null if it cannot be read.
    private static int? ReadStart(string path, Span<byte> buffer, Span<char> text)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var read = 0;
            while (read < buffer.Length && RandomAccess.Read(handle, buffer[read..], read) is var n and > 0)
            {
                read += n;
            }

            for (var i = 0; i < read; i++)
            {
                text[i] = (char)buffer[i];
            }

            return read;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
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
        return line.StartsWith("cpu ") ? ParseCpuFields(line[4..]) : null;
    }

    // The counters after a cpu line's label.
    private static SystemCpuSample? ParseCpuFields(ReadOnlySpan<char> counters)
    {
        Span<ulong> fields = stackalloc ulong[8];
        var count = 0;
        foreach (var range in counters.Split(' '))
        {
            var field = counters[range];
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
            if (MacHost.host_statistics(MacHost.Port(), MacHost.HostCpuLoadInfo, ticks, ref count) != 0 || count < MacHost.CpuStateCount)
            {
                return null;
            }

            // 32-bit sums over all cores of 10 ms ticks: the idle one wraps after ~50 days of uptime on 10 cores (less on
            // more); IdleShare drops the one interval where a counter does.
            return new SystemCpuSample(ticks[2], (ulong)ticks[0] + ticks[1] + ticks[2] + ticks[3]);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
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

    [LibraryImport("kernel32.dll", SetLastError = false)]
    [SupportedOSPlatform("windows")]
    private static partial ushort GetActiveProcessorGroupCount();

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

        private static uint s_port;

        // Asked for on first use, inside the caller's try (a static initializer could run before it). Two threads racing
        // here each take a reference; the port is the same, and one extra reference for the process's life is harmless.
        public static uint Port()
        {
            var port = Volatile.Read(ref s_port);
            if (port == 0)
            {
                port = mach_host_self();
                Volatile.Write(ref s_port, port);
            }

            return port;
        }

        [LibraryImport(LibSystem)]
        public static partial int host_statistics(uint host, int flavor, uint* info, ref uint count);

        [LibraryImport(LibSystem)]
        private static partial uint mach_host_self();
    }
}
