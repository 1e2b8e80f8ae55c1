using System.Diagnostics.Tracing;
using System.Globalization;

namespace ImageKit.Benchmarks;

/// <summary>
/// Splits the runtime's garbage-collection pauses into suspending the threads, the collection itself (by generation)
/// and restarting them, from the runtime's GC events (timestamps as the runtime wrote them). Used by
/// <c>pipeline-profile</c> when <c>PROFILE_GC</c> is set.
/// </summary>
internal sealed class GcPauseSampler : RuntimeEventSampler
{
    private const int GCStart = 1;
    private const int GCEnd = 2;
    private const int RestartEnd = 3;
    private const int HeapStats = 4;
    private const int SuspendEnd = 8;
    private const int SuspendBegin = 9;
    private const int FinalizersEnd = 13;
    private const int MarkWithType = 202;
    private static readonly string[] s_rootKinds = ["stack", "finalize queue", "handles", "older generations (cards)", "sized refs", "overflow", "dependent handles", "new FQ", "steal", "bgc"];
    private readonly double[,] _markedBytes = new double[3, 10];
    private readonly Lock _gate = new();
    private readonly double[] _collectionMs = new double[3];
    private readonly int[] _collections = new int[3];
    private readonly double[] _promoted = new double[3];
    private double _suspendMs;
    private long _finalized;
    private double _pauseMs;
    private int _pauses;
    private DateTime _suspendBegin;
    private DateTime _suspendEnd;
    private DateTime _gcStart;
    private int _depth;
    public void Report(TextWriter output, double perCount)
    {
        lock (_gate)
        {
            var culture = CultureInfo.InvariantCulture;
            output.WriteLine(string.Create(culture, $"GC pauses: {_pauses} pauses, {_pauseMs * 1000 / perCount:N1} µs per image in all; suspending {_suspendMs * 1000 / perCount:N1} µs per image ({_suspendMs / Math.Max(1, _pauses) * 1000:N0} µs per pause)"));
            output.WriteLine(string.Create(culture, $"  finalizers run: {_finalized / perCount:N2} per image"));
            for (var generation = 0; generation < 3; generation++)
            {
                output.WriteLine(string.Create(culture, $"  gen{generation}: {_collections[generation]} collections, {_collectionMs[generation] * 1000 / perCount:N1} µs per image, {_collectionMs[generation] / Math.Max(1, _collections[generation]) * 1000:N0} µs each, promoted {_promoted[generation] / Math.Max(1, _collections[generation]) / 1024:N0} KiB each"));
                for (var kind = 0; kind < s_rootKinds.Length; kind++)
                {
                    if (_markedBytes[generation, kind] > 0)
                    {
                        output.WriteLine(string.Create(culture, $"      marked from {s_rootKinds[kind]}: {_markedBytes[generation, kind] / Math.Max(1, _collections[generation]) / 1024:N0} KiB each"));
                    }
                }
            }
        }
    }

    protected override EventKeywords Keywords => (EventKeywords)0x1; // GC

    protected override void OnRecordedEvent(EventWrittenEventArgs eventData)
    {
        lock (_gate)
        {
            switch (eventData.EventId)
            {
                case SuspendBegin:
                    _suspendBegin = eventData.TimeStamp;
                    break;
                case SuspendEnd:
                    _suspendEnd = eventData.TimeStamp;
                    if (_suspendBegin != default)
                    {
                        _suspendMs += (_suspendEnd - _suspendBegin).TotalMilliseconds;
                    }

                    break;
                case GCStart:
                    _gcStart = eventData.TimeStamp;
                    _depth = Payload(eventData, "Depth") is { } depth ? Convert.ToInt32(depth, CultureInfo.InvariantCulture) : 0;
                    break;
                case GCEnd:
                    if (_gcStart != default && _depth is >= 0 and < 3)
                    {
                        _collectionMs[_depth] += (eventData.TimeStamp - _gcStart).TotalMilliseconds;
                        _collections[_depth]++;
                    }

                    break;
                case HeapStats:
                    if (_depth is >= 0 and < 3 && Payload(eventData, "TotalPromotedSize" + _depth.ToString(CultureInfo.InvariantCulture)) is { } promoted)
                    {
                        _promoted[_depth] += Convert.ToDouble(promoted, CultureInfo.InvariantCulture);
                    }

                    break;
                case MarkWithType:
                    if (_depth is >= 0 and < 3 && Payload(eventData, "Type") is { } type && Payload(eventData, "Bytes") is { } bytes)
                    {
                        var kind = Convert.ToInt32(type, CultureInfo.InvariantCulture);
                        if (kind is >= 0 and < 10)
                        {
                            _markedBytes[_depth, kind] += Convert.ToDouble(bytes, CultureInfo.InvariantCulture);
                        }
                    }

                    break;
                case FinalizersEnd:
                    if (Payload(eventData, "Count") is { } finalized)
                    {
                        _finalized += Convert.ToInt64(finalized, CultureInfo.InvariantCulture);
                    }

                    break;
                case RestartEnd:
                    if (_suspendBegin != default)
                    {
                        _pauseMs += (eventData.TimeStamp - _suspendBegin).TotalMilliseconds;
                        _pauses++;
                    }

                    _suspendBegin = default;
                    break;
            }
        }
    }

    private static object? Payload(EventWrittenEventArgs eventData, string name)
        => eventData.PayloadNames?.IndexOf(name) is int index and >= 0 ? eventData.Payload?[index] : null;
}
