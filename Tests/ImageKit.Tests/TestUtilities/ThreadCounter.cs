namespace ImageKit.Tests.TestUtilities;

/// <summary>Counts the process's threads, by name where the OS tells it (Linux: /proc/self/task/*/comm, 15 characters).</summary>
internal static class ThreadCounter
{
    private const string ThreadPoolWorkerName = ".NET TP Worker";

    public static int Count() => Names().Count();

    public static int Count(string namePrefix)
    {
        // Linux keeps the first 15 bytes of a thread name.
        var prefix = namePrefix.Length > 15 ? namePrefix[..15] : namePrefix;
        return Names().Count(n => n.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>
    /// The threads that are not thread-pool workers (Linux names them ".NET TP Worker"): the pool adds workers when the
    /// machine is busy and its work items wait (hill climbing, starvation), which says nothing about what a test leaves.
    /// Where the OS gives no names, every thread counts.
    /// </summary>
    public static int CountOutsideThreadPool() => Names().Count(n => n != ThreadPoolWorkerName);

    private static IEnumerable<string> Names()
    {
        const string tasks = "/proc/self/task";
        if (!Directory.Exists(tasks))
        {
            return Enumerable.Repeat(string.Empty, System.Diagnostics.Process.GetCurrentProcess().Threads.Count);
        }

        return Directory.EnumerateDirectories(tasks).Select(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
            }
            catch (IOException)
            {
                return string.Empty; // the thread ended while we looked
            }
        }).ToArray();
    }
}
