using ImageKit.Display;

namespace ImageKit.Cli.Rendering;

/// <summary>Measures how far each display-link tick lands from one refresh period after the previous one.</summary>
internal sealed class TickJitterMeter(TimeSpan period) : IDisplayLinkTarget
{
    private const int MaxSamples = 100_000;
    private readonly List<double> _jitterMilliseconds = [];
    private TimeSpan? _last;

    public void OnDisplayLinkTick(DisplayLinkTick tick)
    {
        lock (_jitterMilliseconds)
        {
            if (_last is { } last && _jitterMilliseconds.Count < MaxSamples)
            {
                _jitterMilliseconds.Add(Math.Abs((tick.Timestamp - last - period).TotalMilliseconds));
            }

            _last = tick.Timestamp;
        }
    }

    public (double P50, double P99, int Samples) Percentiles()
    {
        double[] sorted;
        lock (_jitterMilliseconds)
        {
            sorted = [.. _jitterMilliseconds];
        }

        Array.Sort(sorted);
        return (Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
