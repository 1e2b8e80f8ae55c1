using System.Diagnostics.Metrics;
using System.Globalization;
using ImageKit.Diagnostics;

namespace ImageKit.Cli.Diagnostics;

/// <summary>
/// Totals of the <c>ImageKit</c> instruments of one run, for <c>--metrics</c>: counters and up-down counters summed,
/// histograms as count and sum, gauges as their last value; one line per instrument and tag set.
/// </summary>
internal sealed class MetricsReport : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<(string Instrument, string Tags), Total> _totals = [];
    private readonly Lock _lock = new();

    public MetricsReport(CliMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ImageKitDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Writes the totals, observing the gauges first; "no measurements" when nothing was measured.</summary>
    public void WriteTo(TextWriter writer)
    {
        _listener.RecordObservableInstruments();
        List<KeyValuePair<(string Instrument, string Tags), Total>> rows;
        lock (_lock)
        {
            rows = [.. _totals.OrderBy(r => r.Key.Instrument, StringComparer.Ordinal).ThenBy(r => r.Key.Tags, StringComparer.Ordinal)];
        }

        writer.WriteLine("imagekit metrics:");
        if (rows.Count == 0)
        {
            writer.WriteLine("  no measurements");
        }

        foreach (var ((instrument, tags), total) in rows)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {instrument}{tags} {total.Format()}"));
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = (instrument.Name, FormatTags(tags));
        lock (_lock)
        {
            if (!_totals.TryGetValue(key, out var total))
            {
                total = new Total(instrument);
                _totals[key] = total;
            }

            total.Add(value);
        }
    }

    private static string FormatTags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }

        var parts = new List<string>(tags.Length);
        foreach (var tag in tags)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{tag.Key}={tag.Value}"));
        }

        parts.Sort(StringComparer.Ordinal);
        return "{" + string.Join(',', parts) + "}";
    }

    private sealed class Total(Instrument instrument)
    {
        private long _count;
        private double _sum;
        private double _last;

        public void Add(double value)
        {
            _count++;
            _sum += value;
            _last = value;
        }

        public string Format()
        {
            var unit = instrument.Unit is { Length: > 0 } u ? " " + u : string.Empty;
            return instrument switch
            {
                Histogram<double> or Histogram<long> => string.Create(CultureInfo.InvariantCulture, $"count {_count}, sum {_sum:0.######}{unit}"),
                ObservableGauge<long> or ObservableGauge<double> => string.Create(CultureInfo.InvariantCulture, $"{_last:0.######}{unit}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"{_sum:0.######}{unit}"),
            };
        }
    }
}
