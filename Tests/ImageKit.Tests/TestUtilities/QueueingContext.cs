namespace ImageKit.Tests.TestUtilities;

/// <summary>A UI thread's context stand-in: posts wait in a queue until the test runs them.</summary>
internal sealed class QueueingContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _posts = new();

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
