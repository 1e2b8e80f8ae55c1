namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    // The threads raising the player's events now (under _lock), one entry per delivery in progress; none begins once
    // _disposed is set. A delivery begins and ends on one thread, so those of the thread calling Dispose are the ones it is
    // part of (it was called from inside a handler, or from anything a handler calls): it must not wait for them. Kept by
    // thread rather than counted: DisposeAsync goes on on another thread, and its caller's deliveries, ending meanwhile,
    // must not leave it taking another thread's for its own. A Dispose that must wait waits for _deliveriesEnded,
    // completed (and replaced by the next waiter) whenever a delivery ends.
    private readonly List<int> _deliveringThreads = [];
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

            _deliveringThreads.Add(Environment.CurrentManagedThreadId);
        }

        return true;
    }

    private void EndDelivery()
    {
        TaskCompletionSource? ended;
        lock (_lock)
        {
            _deliveringThreads.Remove(Environment.CurrentManagedThreadId);
            ended = _deliveriesEnded;
            _deliveriesEnded = null;
        }

        ended?.TrySetResult();
    }

    // Whether this thread is raising the player's events: a Dispose called here is inside one of its handlers.
    private bool IsDeliveringOnThisThread()
    {
        lock (_lock)
        {
            return _deliveringThreads.Contains(Environment.CurrentManagedThreadId);
        }
    }

    // Once _disposed is set: completes when no delivery is in progress but those of the caller's thread.
    private Task DeliveriesEnded(int callerThread)
    {
        lock (_lock)
        {
            return !_deliveringThreads.Exists(thread => thread != callerThread)
                ? Task.CompletedTask
                : (_deliveriesEnded ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    // Dispose's wait for the handlers running on other threads (a tick's, a decoded frame's, a posted one's).
    private void WaitForDeliveries()
    {
        var callerThread = Environment.CurrentManagedThreadId;
        Task ended;
        while (!(ended = DeliveriesEnded(callerThread)).IsCompleted)
        {
            ended.Wait();
        }
    }

    private async ValueTask WaitForDeliveriesAsync()
    {
        // Taken before the first await: the continuation may run on another thread.
        var callerThread = Environment.CurrentManagedThreadId;
        Task ended;
        while (!(ended = DeliveriesEnded(callerThread)).IsCompleted)
        {
            await ended.ConfigureAwait(false);
        }
    }
}
