using System.Diagnostics.Metrics;

namespace ImageKit.Tests.TestUtilities;

/// <summary>Meters of their own (scoped to this factory), so that a listener can pick one test's instruments alone.</summary>
internal sealed class ScopedMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            _meters.ForEach(static m => m.Dispose());
        }
    }
}
