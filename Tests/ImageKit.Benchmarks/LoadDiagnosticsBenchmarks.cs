using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using ImageKit.Caching;
using ImageKit.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ImageKit.Benchmarks;

/// <summary>
/// What logging, metrics and tracing cost on the hottest path, a memory-cache hit through <see cref="ImageManager"/>:
/// unobserved (<c>none</c>: no listener, no logger), <c>metrics</c> (a listener on every ImageKit instrument), and
/// <c>all</c> (metrics, every activity sampled, a logger enabled at Debug that formats and discards). The baseline is the
/// cache query alone.
/// </summary>
[MemoryDiagnoser]
public class LoadDiagnosticsBenchmarks
{
    private MeterListener? _meterListener;
    private ActivityListener? _activityListener;
    private ImageManager _manager = null!;
    private Uri _url = null!;
    private long _measurements;

    [Params("none", "metrics", "all")]
    public string Observe { get; set; } = "none";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (Observe != "none")
        {
            _meterListener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == ImageKitDiagnostics.MeterName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meterListener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _meterListener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _meterListener.Start();
        }

        if (Observe == "all")
        {
            _activityListener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == ImageKitDiagnostics.ActivitySourceName,
                Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_activityListener);
        }

        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", BenchmarkInputs.FileName("gif"));
        _url = new Uri(path);
        _manager = new ImageManager(new ImageCacheOptions(), null, new ImageManagerOptions { LoggerFactory = Observe == "all" ? new DiscardingLoggerFactory() : null });
        using var warm = await _manager.LoadImageAsync(_url);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _manager.Dispose();
        _meterListener?.Dispose();
        _activityListener?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task CacheQueryOnly()
    {
        using var hit = await _manager.Cache.QueryAsync(_url.AbsoluteUri);
    }

    [Benchmark]
    public async Task LoadImageAsyncMemoryHit()
    {
        using var result = await _manager.LoadImageAsync(_url);
    }

    private sealed class DiscardingLoggerFactory : ILoggerFactory, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) => formatter(state, exception);
    }
}
