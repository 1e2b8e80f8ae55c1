using System.Collections.Concurrent;

namespace ImageKit.Tests.TestUtilities;

/// <summary>A UI thread's context stand-in: posts wait in a queue until the test runs them.</summary>
/// <remarks>
/// Posts come from the display-link tick and from the player's pool threads (its first frame, a pause) at once, so the
/// queue is a concurrent one: a plain queue lost or corrupted an entry under that race (a null callback, seen in a full run).
/// </remarks>
internal sealed class QueueingContext : SynchronizationContext
{
    private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _posts = new();

    public int Pending => _posts.Count;

    public override void Post(SendOrPostCallback d, object? state) => _posts.Enqueue((d, state));

    public void RunAll()
    {
        while (_posts.TryDequeue(out var post))
        {
            post.Callback(post.State);
        }
    }
}
