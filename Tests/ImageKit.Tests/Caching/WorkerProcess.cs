using System.Diagnostics;

namespace ImageKit.Tests.Caching;

/// <summary>Runs <c>dotnet ImageKit.TestWorker.dll …</c> (copied beside the tests by the project reference) and watches its output.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _acknowledged = -1;

    public WorkerProcess(params string[] args)
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "ImageKit.TestWorker.dll");
        if (!File.Exists(worker))
        {
            throw new FileNotFoundException("the test worker was not built beside the tests", worker);
        }

        var start = new ProcessStartInfo(DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(worker);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_gate)
                {
                    Errors += e.Data + "\n";
                }
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The last write index the worker reported as committed, or −1.</summary>
    public int Acknowledged => Volatile.Read(ref _acknowledged);

    public string Errors { get; private set; } = string.Empty;

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Completes when the worker has acknowledged at least <paramref name="count"/> writes.</summary>
    public Task WaitForAcknowledgedAsync(int count)
    {
        lock (_gate)
        {
            if (_acknowledged + 1 >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task;
        }
    }

    /// <summary>SIGKILL on Unix: no finally blocks, no flushes, no disposal.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null || !line.StartsWith("ok ", StringComparison.Ordinal))
        {
            return;
        }

        lock (_gate)
        {
            _acknowledged = int.Parse(line.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture);
            foreach (var waiter in _waiters.Where(w => _acknowledged + 1 >= w.Count).ToList())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
