using System.Diagnostics.Metrics;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// A meter listener with a bug: it listens to the instruments of one <see cref="ScopedMeterFactory"/> and throws on every
/// measurement, counting them. What ImageKit's diagnostics must contain.
/// </summary>
internal sealed class ThrowingMeterListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private int _thrown;

    public ThrowingMeterListener(ScopedMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, _, _) => Throw());
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Throw());
        _listener.Start();
    }

    /// <summary>How many measurements it has thrown on.</summary>
    public int Thrown => Volatile.Read(ref _thrown);

    public void Dispose() => _listener.Dispose();

    private void Throw()
    {
        Interlocked.Increment(ref _thrown);
        throw new InvalidOperationException("listener bug");
    }
}
