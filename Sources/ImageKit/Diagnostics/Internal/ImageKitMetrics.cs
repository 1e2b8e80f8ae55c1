using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using ImageKit.Animation;

namespace ImageKit.Diagnostics.Internal;

/// <summary>
/// The instruments of one <c>ImageKit</c> meter: a process-wide default, or one per <see cref="IMeterFactory"/> (the DI
/// container's), so that applications and tests can scope measurements.
/// </summary>
/// <remarks>Thread-safe: instruments are.</remarks>
internal sealed class ImageKitMetrics
{
    private static readonly ConditionalWeakTable<IMeterFactory, ImageKitMetrics> s_byFactory = [];

    // Every live frame budget, for the frame-buffer gauge; weak, so a budget nobody uses can still be collected.
    private static readonly ConditionalWeakTable<FrameBudget, object?> s_budgets = [];

    private ImageKitMetrics(Meter meter, ActivitySource activities)
    {
        Meter = meter;
        Activities = activities;
        CacheHits = meter.CreateCounter<long>(ImageKitDiagnostics.CacheHits, "{lookup}", "Cache lookups answered, by tier.");
        CacheMisses = meter.CreateCounter<long>(ImageKitDiagnostics.CacheMisses, "{lookup}", "Cache lookups not answered, by tier.");
        DownloadBytes = meter.CreateCounter<long>(ImageKitDiagnostics.DownloadBytes, "By", "Response body bytes downloaded.");
        DownloadResumedBytes = meter.CreateCounter<long>(ImageKitDiagnostics.DownloadResumedBytes, "By", "Body bytes not downloaded again because a cut-off response was continued.");
        DownloadDuration = meter.CreateHistogram<double>(ImageKitDiagnostics.DownloadDuration, "s", "Duration of downloads, retries included, queue wait excluded.");
        DownloadRetries = meter.CreateCounter<long>(ImageKitDiagnostics.DownloadRetries, "{retry}", "Download retries scheduled.");
        CircuitBreaks = meter.CreateCounter<long>(ImageKitDiagnostics.CircuitBreaks, "{break}", "Per-host circuit breaker openings.");
        DecodeDuration = meter.CreateHistogram<double>(ImageKitDiagnostics.DecodeDuration, "s", "Duration of decoding loaded bytes into an image.");
        Loads = meter.CreateCounter<long>(ImageKitDiagnostics.Loads, "{load}", "Image loads finished, by source and outcome.");
        LoadDuration = meter.CreateHistogram<double>(ImageKitDiagnostics.LoadDuration, "s", "Duration of image loads, by source and outcome.");
        FramesShown = meter.CreateCounter<long>(ImageKitDiagnostics.FramesShown, "{frame}", "Frames that became a player's current frame.");
        FramesSkipped = meter.CreateCounter<long>(ImageKitDiagnostics.FramesSkipped, "{frame}", "Frames whose time passed without being shown.");
        PlayersPlaying = meter.CreateUpDownCounter<long>(ImageKitDiagnostics.PlayersPlaying, "{player}", "Players playing now.");
        meter.CreateObservableGauge(ImageKitDiagnostics.FrameBufferBytes, ObserveBudgets, "By", "Decoded frame bytes held by players' buffers, in the shared budget and in all others.");
    }

    // The activity source of loads and their stages (ImageKitDiagnostics.ActivitySourceName), shared by every meter's instruments.
    private static ActivitySource SharedActivitySource { get; } = new(ImageKitDiagnostics.ActivitySourceName, Version);

    // After the activity source: static initializers run in order.
    /// <summary>The process-wide instruments, used when no <see cref="IMeterFactory"/> is given.</summary>
    public static ImageKitMetrics Default { get; } = new(new Meter(ImageKitDiagnostics.MeterName, Version), SharedActivitySource);

    public Meter Meter { get; }

    /// <summary>Where loads start their activities: the <c>ImageKit</c> source, unless these are <see cref="Unobserved"/>.</summary>
    public ActivitySource Activities { get; }

    public Counter<long> CacheHits { get; }

    public Counter<long> CacheMisses { get; }

    public Counter<long> DownloadBytes { get; }

    public Counter<long> DownloadResumedBytes { get; }

    public Histogram<double> DownloadDuration { get; }

    public Counter<long> DownloadRetries { get; }

    public Counter<long> CircuitBreaks { get; }

    public Histogram<double> DecodeDuration { get; }

    public Counter<long> Loads { get; }

    public Histogram<double> LoadDuration { get; }

    public Counter<long> FramesShown { get; }

    public Counter<long> FramesSkipped { get; }

    public UpDownCounter<long> PlayersPlaying { get; }

    private static string? Version => typeof(ImageKitMetrics).Assembly.GetName().Version?.ToString(3);

    /// <summary>The instruments of <paramref name="meterFactory"/>'s <c>ImageKit</c> meter, or <see cref="Default"/>.</summary>
    public static ImageKitMetrics For(IMeterFactory? meterFactory) => meterFactory switch
    {
        null => Default,
        UnobservedMeterFactory unobserved => unobserved.Metrics,
        _ => s_byFactory.GetValue(meterFactory, static f => new ImageKitMetrics(f.Create(new MeterOptions(ImageKitDiagnostics.MeterName) { Version = Version }), SharedActivitySource)),
    };

    /// <summary>
    /// Instruments and an activity source that no <c>ImageKit</c> subscription sees (their names do not begin with it, so
    /// neither exact names nor <c>ImageKit*</c> wildcards match): for work the app did not ask to observe, such as
    /// <see cref="ImageManager.WarmUpAsync"/>. Dispose the factory to dispose them.
    /// </summary>
    public static UnobservedMeterFactory Unobserved() =>
        new(new ImageKitMetrics(new Meter(UnobservedName), new ActivitySource(UnobservedName)));

    private const string UnobservedName = "Unobserved.ImageKitWarmUp";

    /// <summary>Registers a frame budget with the frame-buffer gauge.</summary>
    public static void Track(FrameBudget budget) => s_budgets.AddOrUpdate(budget, null);

    private static IEnumerable<Measurement<long>> ObserveBudgets()
    {
        var shared = FrameBudget.Shared;
        long others = 0;
        foreach (var (budget, _) in s_budgets)
        {
            if (!ReferenceEquals(budget, shared))
            {
                others += budget.UsedBytes;
            }
        }

        return
        [
            new(shared.UsedBytes, new KeyValuePair<string, object?>(TagNames.FrameBudget, "shared")),
            new(others, new KeyValuePair<string, object?>(TagNames.FrameBudget, "other")),
        ];
    }

    public static string TierTag(bool memory) => memory ? "memory" : "disk";

    public static string SourceTag(ImageLoadSource source) => source switch
    {
        ImageLoadSource.Memory => "memory",
        ImageLoadSource.Disk => "disk",
        _ => "network",
    };

    public static string OutcomeTag(Exception? error) => error switch
    {
        null => "success",
        OperationCanceledException => "cancelled",
        _ => "failure",
    };

    /// <summary>
    /// The <c>error.type</c> of a load that ended with <paramref name="error"/>: its full type name, or
    /// <see langword="null"/> for a cancellation, which is no error.
    /// </summary>
    public static string? ErrorTypeTag(Exception error) =>
        error is OperationCanceledException ? null : error.GetType().FullName ?? error.GetType().Name;

    public static double Seconds(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;

    /// <summary>Hands <see cref="For"/> the <see cref="Unobserved"/> instruments; never creates a meter itself.</summary>
    internal sealed class UnobservedMeterFactory(ImageKitMetrics metrics) : IMeterFactory
    {
        public ImageKitMetrics Metrics { get; } = metrics;

        public Meter Create(MeterOptions options) => throw new NotSupportedException("only ImageKit's own components read these instruments");

        public void Dispose()
        {
            Metrics.Meter.Dispose();
            Metrics.Activities.Dispose();
        }
    }
}
