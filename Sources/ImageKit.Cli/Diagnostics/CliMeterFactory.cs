using System.Diagnostics.Metrics;

namespace ImageKit.Cli.Diagnostics;

/// <summary>Meters scoped to one command-line run, so <c>--metrics</c> counts that run only.</summary>
internal sealed class CliMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];
    private readonly Lock _lock = new();

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_lock)
        {
            var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
            _meters.Add(meter);
            return meter;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
