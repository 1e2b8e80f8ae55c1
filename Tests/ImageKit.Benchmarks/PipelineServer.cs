using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;

namespace ImageKit.Benchmarks;

/// <summary>
/// The pipeline benchmark's loopback server: Kestrel in this process (the default), or, with
/// <c>PIPELINE_SERVER_PROCESS=1</c>, the same server in a child process of its own (<c>pipeline-server</c>), as a real
/// server would be: its threads then do not share this process's thread pool, and this process's garbage collections do
/// not pause it.
/// </summary>
internal sealed class PipelineServer : IAsyncDisposable
{
    private const string ReadyPrefix = "listening ";

    private readonly WebApplication? _app;
    private readonly Process? _child;

    private PipelineServer(Uri baseAddress, WebApplication? app, Process? child)
    {
        BaseAddress = baseAddress;
        _app = app;
        _child = child;
    }

    public Uri BaseAddress { get; }

    /// <summary>Whether the server runs in a process of its own.</summary>
    public bool OutOfProcess => _child is not null;

    public static bool OutOfProcessRequested => Environment.GetEnvironmentVariable("PIPELINE_SERVER_PROCESS") is "1";

    public static async Task<PipelineServer> StartAsync(PipelineImage[] images)
    {
        if (!OutOfProcessRequested)
        {
            var app = await PipelineLoad.StartServerAsync(images);
            return new PipelineServer(PipelineLoad.BaseAddressOf(app), app, child: null);
        }

        var start = SelfProcess.StartInfo(["pipeline-server"]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardInput = true;
        // A remote server's threads spin on its own cores; here they would spin on the client's two. Spinning before a
        // pool thread sleeps is what an idle server does most (a third of its CPU samples were sched_yield).
        start.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0";
        var child = Process.Start(start) ?? throw new InvalidOperationException("cannot start the server process");
        try
        {
            // The child makes the same images (fixed seeds) and says where it listens.
            while (await child.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
                {
                    return new PipelineServer(new Uri(line[ReadyPrefix.Length..]), app: null, child);
                }
            }

            throw new InvalidOperationException("the server process ended before it listened");
        }
        catch
        {
            child.Kill();
            child.Dispose();
            throw;
        }
    }

    /// <summary>The child's side: serves <see cref="PipelineImages"/> until its standard input closes.</summary>
    public static async Task ServeAsync()
    {
        var images = PipelineImages.Create();
        await using var app = await PipelineLoad.StartServerAsync(images);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ReadyPrefix}{PipelineLoad.BaseAddressOf(app)}"));
        Console.Out.Flush();
        await Console.In.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_child is not null)
        {
            _child.StandardInput.Close();
            if (!_child.WaitForExit(10_000))
            {
                _child.Kill();
            }

            _child.Dispose();
        }
    }
}
