using ImageKit.DependencyInjection;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ImageKit.Tests.Diagnostics;

/// <summary>
/// A container with fake logging, its own <see cref="System.Diagnostics.Metrics.IMeterFactory"/> (so measurements are
/// this test's alone, whatever runs in parallel) and ImageKit over a temporary disk cache.
/// </summary>
internal sealed class DiagnosticsHarness : IAsyncDisposable
{
    private readonly TempFolder _folder = new();

    public DiagnosticsHarness(Action<ImageKitOptions>? configure = null)
    {
        Services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Debug))
            .AddFakeLogging()
            .AddMetrics()
            .AddImageKit(o =>
            {
                o.DiskCache.Folder = _folder.Combine("cache");
                o.Downloader.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
                o.Downloader.Retry.MaxDelay = TimeSpan.FromMilliseconds(5);
                configure?.Invoke(o);
            })
            .BuildServiceProvider();
    }

    public ServiceProvider Services { get; }

    public ImageManager Manager => Services.GetRequiredService<ImageManager>();

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    public MetricCollector<T> Collect<T>(string instrument)
        where T : struct =>
        new(Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ImageKit.Diagnostics.ImageKitDiagnostics.MeterName, instrument);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        _folder.Dispose();
    }
}
