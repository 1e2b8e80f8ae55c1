namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    // The players whose events this thread is raising, innermost last: a Dispose from inside a handler (or from anything
    // a handler calls) must not wait for the delivery it is part of.
    [ThreadStatic]
    private static List<AnimatedImagePlayer>? t_delivering;

    // Event deliveries in progress, on any thread (under _lock); none begins once _disposed is set. A Dispose that must
    // wait for them waits for _deliveriesEnded, completed (and replaced by the next waiter) whenever one ends.
    private int _deliveries;
    private TaskCompletionSource? _deliveriesEnded;

    // Begins raising events to the application's handlers (or posting them to its context), unless the player is
    // disposed: then nothing is raised. A true return must be followed by EndDelivery.
    private bool TryBeginDelivery()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            _deliveries++;
        }

        (t_delivering ??= []).Add(this);
        return true;
    }

    private void EndDelivery()
    {
        var delivering = t_delivering!;
        delivering.RemoveAt(delivering.LastIndexOf(this));
        TaskCompletionSource? ended;
        lock (_lock)
        {
            _deliveries--;
            ended = _deliveriesEnded;
            _deliveriesEnded = null;
        }

        ended?.TrySetResult();
    }

    // How many of the deliveries in progress are this thread's own: those a Dispose on this thread must not wait for.
    private int DeliveriesOnThisThread()
    {
        var count = 0;
        if (t_delivering is { } delivering)
        {
            foreach (var player in delivering)
            {
                if (ReferenceEquals(player, this))
                {
                    count++;
                }
            }
        }

        return count;
    }

    // Once _disposed is set: completes when no delivery is in progress but the caller's own (`own` of them).
    private Task DeliveriesEnded(int own)
    {
        lock (_lock)
        {
            return _deliveries <= own
                ? Task.CompletedTask
                : (_deliveriesEnded ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    // Dispose's wait for the handlers running on other threads (a tick's, a decoded frame's, a posted one's).
    private void WaitForDeliveries()
    {
        var own = DeliveriesOnThisThread();
        Task ended;
        while (!(ended = DeliveriesEnded(own)).IsCompleted)
        {
            ended.Wait();
        }
    }

    private async ValueTask WaitForDeliveriesAsync()
    {
        // Counted before the first await: the continuation may run on another thread.
        var own = DeliveriesOnThisThread();
        Task ended;
        while (!(ended = DeliveriesEnded(own)).IsCompleted)
        {
            await ended.ConfigureAwait(false);
        }
    }
}
