namespace ImageKit.Tests.TestUtilities;

/// <summary>Counts the process's threads, by name where the OS tells it (Linux: /proc/self/task/*/comm, 15 characters).</summary>
internal static class ThreadCounter
{
    public static int Count() => Names().Count();

    public static int Count(string namePrefix)
    {
        // Linux keeps the first 15 bytes of a thread name.
        var prefix = namePrefix.Length > 15 ? namePrefix[..15] : namePrefix;
        return Names().Count(n => n.StartsWith(prefix, StringComparison.Ordinal));
    }

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
