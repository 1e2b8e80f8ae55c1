using System.Diagnostics.Tracing;
using System.Globalization;

namespace ImageKit.Benchmarks;

/// <summary>
/// Samples the runtime's randomized allocation events (.NET 10's <c>AllocationSampled</c>: each allocated byte has the
/// same chance of being sampled, one sample per ~100 KB on average), so the bytes allocated per type can be estimated
/// without the bias of the older allocation ticks, which charge 100 KB to whichever object needs a new allocation
/// context (mostly large arrays and whatever follows them). Used by <c>pipeline-profile</c> when <c>PROFILE_ALLOC</c>
/// is set.
/// </summary>
internal sealed class AllocationSampler : RuntimeEventSampler
{
    private const int AllocationSampledEventId = 303;
    private const long AllocationSamplingKeyword = 0x800_0000_0000;
    private const double MeanSamplingDistance = 100 * 1024;
    private readonly Dictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    public void Report(TextWriter output, double perCount)
    {
        lock (_gate)
        {
            var total = _bytesByType.Values.Sum();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocation samples: ~{total / perCount:N0} bytes per image estimated"));
            foreach (var (type, bytes) in _bytesByType.OrderByDescending(pair => pair.Value).Take(40))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes / perCount,8:N0} B  {100.0 * bytes / total,5:N1} %  {type}"));
            }
        }
    }

    protected override EventKeywords Keywords => (EventKeywords)AllocationSamplingKeyword;

    protected override void OnRecordedEvent(EventWrittenEventArgs eventData)
    {
        if (eventData.EventId != AllocationSampledEventId || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        var type = eventData.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var size = eventData.PayloadNames.IndexOf("ObjectSize") is var a and >= 0 ? Convert.ToDouble(eventData.Payload[a], CultureInfo.InvariantCulture) : 0;

        // An object of size S is sampled with probability 1 - e^(-S/d), so one sample stands for S / (1 - e^(-S/d)) bytes.
        var amount = size <= 0 ? 0 : (long)(size / -double.ExpM1(-size / MeanSamplingDistance));
        lock (_gate)
        {
            _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
        }
    }
}
