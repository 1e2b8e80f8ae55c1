using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ImageKit.Diagnostics.Internal;

/// <summary>
/// Measurements and activities of loads and players, with what the app's meter or activity listeners throw dropped: a
/// listener that fails is the app's bug, and a load must end as it would without it (its result, or its own exception), a
/// player play on (and a finalizer never throw on the thread pool).
/// The downloader does the same for its own (ImageDownloader.Diagnose).
/// </summary>
internal static class Contained
{
    public static void Add(Counter<long> counter, long value, in TagList tags)
    {
        try
        {
            counter.Add(value, tags);
        }
#pragma warning disable CA1031 // See the class: what the app's listener throws is dropped.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
        }
    }

    public static void Add(Counter<long> counter, long value, KeyValuePair<string, object?> tag) => Add(counter, value, new TagList { tag });

    public static void Add(Counter<long> counter, long value) => Add(counter, value, default(TagList));

    public static void Add(UpDownCounter<long> counter, long value)
    {
        try
        {
            counter.Add(value);
        }
#pragma warning disable CA1031 // See the class.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
        }
    }

    public static void Record(Histogram<double> histogram, double value, in TagList tags)
    {
        try
        {
            histogram.Record(value, tags);
        }
#pragma warning disable CA1031 // See the class.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Starts an activity of <paramref name="source"/>, or none. When a listener's start callback throws, the activity has
    /// started all the same (it is the current one): it is returned, to be tagged and stopped as usual.
    /// </summary>
    public static ActivityScope StartActivity(ActivitySource source, string name)
    {
        var previous = Activity.Current;
        try
        {
            return new ActivityScope(source.StartActivity(name));
        }
#pragma warning disable CA1031 // See the class.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            var current = Activity.Current;
            return new ActivityScope(current != previous && current?.Source == source ? current : null);
        }
    }

    /// <summary>An activity (or none) that <see cref="Dispose"/> stops, whatever its listeners throw.</summary>
    public readonly struct ActivityScope(Activity? activity) : IDisposable
    {
        public Activity? Activity { get; } = activity;

        public void Dispose()
        {
            if (Activity is not { } activity)
            {
                return;
            }

            try
            {
                activity.Dispose();
            }
#pragma warning disable CA1031 // See the class.
            catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
            {
                // A stop callback threw before the activity gave the current slot back to its parent.
                if (System.Diagnostics.Activity.Current == activity)
                {
                    System.Diagnostics.Activity.Current = activity.Parent;
                }
            }
        }
    }
}
