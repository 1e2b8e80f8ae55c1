using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageKit.Cli.Diagnostics;

/// <summary>
/// What <c>--verbose</c> and <c>--metrics</c> turn on for one run of the command line: a logger factory writing to stderr
/// and a meter factory whose <c>ImageKit</c> meter a <see cref="MetricsReport"/> totals.
/// </summary>
/// <remarks>
/// Carried in an <see cref="AsyncLocal{T}"/> rather than through every command's parameters: the commands are built before
/// the global options are parsed, and concurrent in-process runs (the tests) must not see each other's settings.
/// </remarks>
internal sealed class CliDiagnostics : IDisposable
{
    private static readonly AsyncLocal<CliDiagnostics?> s_current = new();
    private static readonly CliDiagnostics s_none = new(verbose: false, metrics: false, TextWriter.Null);
    private readonly CliMeterFactory? _meters;

    private CliDiagnostics(bool verbose, bool metrics, TextWriter stderr)
    {
        LoggerFactory = verbose ? new StderrLoggerFactory(stderr, LogLevel.Debug) : NullLoggerFactory.Instance;
        if (metrics)
        {
            _meters = new CliMeterFactory();
            Report = new MetricsReport(_meters);
        }
    }

    /// <summary>The settings of the run in progress on this async flow; nothing turned on outside a run.</summary>
    public static CliDiagnostics Current => s_current.Value ?? s_none;

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The meter factory of this run, or <see langword="null"/> (the process-wide meter) without <c>--metrics</c>.</summary>
    public IMeterFactory? MeterFactory => _meters;

    public MetricsReport? Report { get; }

    /// <summary>Makes a run's settings current for the rest of the calling async flow.</summary>
    public static CliDiagnostics Begin(bool verbose, bool metrics, TextWriter stderr)
    {
        var diagnostics = new CliDiagnostics(verbose, metrics, stderr);
        s_current.Value = diagnostics;
        return diagnostics;
    }

    public void Dispose()
    {
        Report?.Dispose();
        _meters?.Dispose();
        if (ReferenceEquals(s_current.Value, this))
        {
            s_current.Value = null;
        }
    }
}
