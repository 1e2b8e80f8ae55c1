using System.Diagnostics.Tracing;
using System.Globalization;

namespace ImageKit.Benchmarks;

/// <summary>
/// Samples the runtime's allocation ticks (one event per ~100 KB allocated, naming the type that crossed the mark), so
/// the share of each type in a run's managed allocations can be estimated. Used by <c>pipeline-profile</c> when
/// <c>PROFILE_ALLOC</c> is set.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int AllocationTickEventId = 10;
    private readonly Dictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private volatile bool _recording;

    public bool Recording
    {
        get => _recording;
        set => _recording = value;
    }

    public void Report(TextWriter output, double perCount)
    {
        lock (_gate)
        {
            var total = _bytesByType.Values.Sum();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocation ticks: ~{total / perCount:N0} bytes per image sampled"));
            foreach (var (type, bytes) in _bytesByType.OrderByDescending(pair => pair.Value).Take(40))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes / perCount,8:N0} B  {100.0 * bytes / total,5:N1} %  {type}"));
            }
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventId != AllocationTickEventId || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        var type = eventData.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload[a], CultureInfo.InvariantCulture) : 0;
        lock (_gate)
        {
            _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
        }
    }
}
