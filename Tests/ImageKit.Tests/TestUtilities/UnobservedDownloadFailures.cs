using ImageKit.Loading;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// Runs rounds of a download scenario, then collects garbage until finalizers have run, and returns the download failures
/// of those rounds (their <see cref="ImageKitException.SourceName"/> contains the rounds' name) that reached
/// <see cref="TaskScheduler.UnobservedTaskException"/>: a failure nobody observed.
/// </summary>
internal static class UnobservedDownloadFailures
{
    /// <param name="name">Part of every round's URL: round i gets <c>{name}-{i}</c>.</param>
    /// <param name="rounds">How many rounds.</param>
    /// <param name="round">One round; nothing of it may outlive its task but the downloader's own references.</param>
    /// <param name="cancellationToken">The test's token.</param>
    public static async Task<IReadOnlyList<Exception>> CollectAsync(string name, int rounds, Func<string, Task> round, CancellationToken cancellationToken)
    {
        var unobserved = new List<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            if (e.Exception.InnerExceptions.OfType<ImageDownloadException>().Any(d => d.SourceName?.Contains(name, StringComparison.Ordinal) == true))
            {
                lock (unobserved)
                {
                    unobserved.Add(e.Exception);
                }
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            for (var i = 0; i < rounds; i++)
            {
                await round($"{name}-{i}");
            }

            for (var i = 0; i < 5; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                await Task.Delay(20, cancellationToken);
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        lock (unobserved)
        {
            return [.. unobserved];
        }
    }
}
