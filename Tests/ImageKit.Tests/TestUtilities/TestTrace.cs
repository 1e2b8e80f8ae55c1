using System.Collections.Concurrent;
using System.Diagnostics;
using ImageKit.Diagnostics;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// A root activity of the test's own, current from creation until disposal, and the ImageKit activities stopped under
/// it. Activity listeners are process-wide, and tests run in parallel: a test sees only its own trace.
/// </summary>
internal sealed class TestTrace : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    /// <param name="started">Called with each ImageKit activity of this trace as it starts, on the thread that starts it.</param>
    public TestTrace(Action<Activity>? started = null)
    {
        Root = new Activity("test-root").Start();
        var traceId = Root.TraceId;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ImageKitDiagnostics.ActivitySourceName,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity =>
            {
                if (started is not null && activity.TraceId == traceId)
                {
                    started(activity);
                }
            },
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The test's root activity: the parent of the loads the test starts while it is current.</summary>
    public Activity Root { get; }

    /// <summary>The ImageKit activities of this trace stopped so far, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Stopped => [.. _stopped];

    /// <summary>The one stopped activity named <paramref name="operationName"/> (<c>ImageKit.LoadImage</c>, say).</summary>
    public Activity Single(string operationName) => _stopped.Single(a => a.OperationName == operationName);

    public void Dispose()
    {
        _listener.Dispose();
        Root.Dispose();
    }
}
