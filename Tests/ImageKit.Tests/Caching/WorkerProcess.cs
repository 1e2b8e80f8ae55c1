using System.Diagnostics;

namespace ImageKit.Tests.Caching;

/// <summary>Runs <c>dotnet ImageKit.TestWorker.dll …</c> (copied beside the tests by the project reference) and watches its output.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<(int Count, long? StartedAfter, TaskCompletionSource Reached)> _waiters = [];
    private readonly List<(int Index, long StartedTicks)> _acknowledgements = [];
    private readonly List<string> _lines = [];
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

    /// <summary>Whether the worker has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Every line the worker printed on stdout so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Completes when the worker has acknowledged at least <paramref name="count"/> writes.</summary>
    public Task WaitForAcknowledgedAsync(int count) => WaitAsync(count, null);

    /// <summary>
    /// Completes when the worker has acknowledged at least <paramref name="count"/> writes whose <c>SetAsync</c> began
    /// after <paramref name="startedAfterTicks"/> (UTC ticks; "write" mode reports when each began).
    /// </summary>
    public Task WaitForAcknowledgedAsync(int count, long startedAfterTicks) => WaitAsync(count, startedAfterTicks);

    private Task WaitAsync(int count, long? startedAfterTicks)
    {
        lock (_gate)
        {
            if (Reached(count, startedAfterTicks))
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, startedAfterTicks, reached));
            return reached.Task;
        }
    }

    /// <summary>
    /// The writes acknowledged so far whose <c>SetAsync</c> began after <paramref name="startedAfterTicks"/>. The lines the
    /// parent has read may lag far behind the worker (a busy thread pool reads them late), so "acknowledged after X
    /// happened here" must be told by when the write began, never by how many lines had been read when X happened.
    /// </summary>
    public IReadOnlyList<int> AcknowledgedStartedAfter(long startedAfterTicks)
    {
        lock (_gate)
        {
            return _acknowledgements.Where(a => a.StartedTicks > startedAfterTicks).Select(a => a.Index).ToList();
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
        if (line is not null)
        {
            lock (_gate)
            {
                _lines.Add(line);
            }
        }

        if (line is null || !line.StartsWith("ok ", StringComparison.Ordinal))
        {
            return;
        }

        var fields = line.AsSpan(3);
        var space = fields.IndexOf(' ');
        var index = int.Parse(space < 0 ? fields : fields[..space], System.Globalization.CultureInfo.InvariantCulture);
        var started = space < 0 ? long.MinValue : long.Parse(fields[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        lock (_gate)
        {
            _acknowledged = index;
            _acknowledgements.Add((index, started));
            foreach (var waiter in _waiters.Where(w => Reached(w.Count, w.StartedAfter)).ToList())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    // Called under _gate. Without a time: acknowledged indexes, as the worker counts them (0-based).
    private bool Reached(int count, long? startedAfterTicks) =>
        startedAfterTicks is { } ticks ? CountStartedAfter(ticks) >= count : _acknowledged + 1 >= count;

    private int CountStartedAfter(long ticks)
    {
        var count = 0;
        for (var i = _acknowledgements.Count - 1; i >= 0 && _acknowledgements[i].StartedTicks > ticks; i--)
        {
            count++;
        }

        return count;
    }
}
