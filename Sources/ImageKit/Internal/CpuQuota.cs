using System.Globalization;

namespace ImageKit.Internal;

/// <summary>
/// How many cores this process may use, as a fraction. <see cref="Environment.ProcessorCount"/> rounds a container's CPU
/// quota up to whole cores (half a CPU counts as one), so an "idle share of the cores" computed from it calls a process
/// at its quota half idle. On Linux the quota is read from the cgroup file system as the container sees it
/// (<c>cpu.max</c> for cgroup v2, <c>cpu.cfs_quota_us</c> / <c>cpu.cfs_period_us</c> for v1); elsewhere, or without a
/// quota, it is the processor count.
/// </summary>
internal static class CpuQuota
{
    private const string CgroupRoot = "/sys/fs/cgroup";

    /// <summary>The cores this process may use, read once per call (the files are small and in memory).</summary>
    public static double AvailableCores() =>
        AvailableCores(Environment.ProcessorCount, OperatingSystem.IsLinux() ? CgroupRoot : null);

    /// <param name="processorCount">What the runtime reports.</param>
    /// <param name="cgroupRoot">Where the cgroup file system is mounted, or <see langword="null"/> for none.</param>
    internal static double AvailableCores(int processorCount, string? cgroupRoot)
    {
        var cores = Math.Max(1, processorCount);
        return cgroupRoot is not null && ReadQuota(cgroupRoot) is { } quota ? Math.Min(quota, cores) : cores;
    }

    /// <summary>The quota in cores, or <see langword="null"/> when there is none or it cannot be read.</summary>
    internal static double? ReadQuota(string cgroupRoot)
    {
        // v2: "max 100000" (no quota) or "QUOTA PERIOD", both in microseconds.
        if (TryRead(Path.Combine(cgroupRoot, "cpu.max")) is { } max)
        {
            var fields = max.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length == 2 ? Cores(fields[0], fields[1]) : null;
        }

        // v1: the quota is -1 without one. The controller folder is "cpu" or, mounted together, "cpu,cpuacct".
        foreach (var folder in (string[])["cpu", "cpu,cpuacct"])
        {
            if (TryRead(Path.Combine(cgroupRoot, folder, "cpu.cfs_quota_us")) is { } quota
                && TryRead(Path.Combine(cgroupRoot, folder, "cpu.cfs_period_us")) is { } period)
            {
                return Cores(quota, period);
            }
        }

        return null;
    }

    private static double? Cores(string quota, string period) =>
        long.TryParse(quota, NumberStyles.None, CultureInfo.InvariantCulture, out var q) && q > 0
        && long.TryParse(period, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0
            ? (double)q / p
            : null;

    private static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
