using System.Diagnostics.Tracing;

namespace ImageKit.Benchmarks;

/// <summary>
/// Listens to some of the runtime's own events (<c>Microsoft-Windows-DotNETRuntime</c>) and hands them on only while
/// <see cref="Recording"/> is set, so that set-up and reporting stay out of what is counted.
/// </summary>
internal abstract class RuntimeEventSampler : EventListener
{
    private volatile bool _recording;

    public bool Recording
    {
        get => _recording;
        set => _recording = value;
    }

    /// <summary>The keywords to enable. Read from the base constructor: a constant, not a field of the subclass.</summary>
    protected abstract EventKeywords Keywords { get; }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Informational, Keywords);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (_recording)
        {
            OnRecordedEvent(eventData);
        }
    }

    /// <summary>An event written while recording.</summary>
    protected abstract void OnRecordedEvent(EventWrittenEventArgs eventData);
}
