using System.Diagnostics;
using ImageKit.Decoding.Internal;

namespace ImageKit.Tests.TestUtilities;

/// <summary>Helpers for lifetime tests: collecting garbage, waiting for background work, counting OS threads by name.</summary>
internal static class Leaks
{
    /// <summary>Collects until <paramref name="collected"/> holds, or until <paramref name="within"/> (10 s unless given) has passed.</summary>
    /// <remarks>
    /// A background tick can hold a target on its stack for an instant, and a work item still queued on a busy thread pool
    /// (the whole suite runs in parallel on two cores) holds what it will work on until it runs, so one collection may
    /// miss it; retrying is not leniency, a real leak fails every attempt for the whole time.
    /// </remarks>
    public static bool CollectUntil(Func<bool> collected, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = within ?? TimeSpan.FromSeconds(10);
        var pause = 10;
        while (true)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            if (collected())
            {
                return true;
            }

            if (deadline.Elapsed >= limit)
            {
                return false;
            }

            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 100);
        }
    }

    /// <summary>
    /// Frees the shared pool's idle pixel blocks and runs pending finalizers, so that tests comparing the process-wide
    /// count of native pixel bytes start from a quiet process.
    /// </summary>
    public static void SettlePixelMemory()
    {
        PixelBufferPool.Shared.Trim();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        PixelBufferPool.Shared.Trim();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > limit)
            {
                return condition();
            }

            Thread.Sleep(5);
        }

        return true;
    }

    /// <summary>
    /// The number of this process's threads whose OS name is <paramref name="name"/>, or <see langword="null"/> where the
    /// OS does not say (only Linux is read, from <c>/proc/self/task/*/comm</c>). Linux keeps the first 15 characters of a
    /// thread name, so the comparison does too.
    /// </summary>
    public static int? CountThreadsNamed(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var expected = name.Length > 15 ? name[..15] : name;
        var count = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == expected)
                {
                    count++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The thread exited between listing and reading.
            }
        }

        return count;
    }

    /// <summary>
    /// How many of this process's open file descriptors point into <paramref name="folder"/> (its files and those of its
    /// subfolders), or <see langword="null"/> where the OS does not say (only Linux is read, from <c>/proc/self/fd</c>).
    /// </summary>
    public static int? OpenFilesUnder(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var prefix = Path.GetFullPath(folder).TrimEnd('/') + "/";
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith(prefix, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The descriptor was closed between listing and reading.
            }
        }

        return count;
    }
}
