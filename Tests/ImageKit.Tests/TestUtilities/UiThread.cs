using System.Collections.Concurrent;

namespace ImageKit.Tests.TestUtilities;

/// <summary>
/// A UI thread stand-in: runs an async body on a thread of its own whose <see cref="SynchronizationContext"/> queues every
/// continuation back to that thread, as AppKit's main thread does, until the body's task ends.
/// </summary>
internal static class UiThread
{
    /// <summary>Runs <paramref name="body"/> there; completes as its task does. Fails if anything was posted after it ended.</summary>
    public static Task RunAsync(Func<Task> body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var context = new PumpContext();
            SynchronizationContext.SetSynchronizationContext(context);
            Task task;
            try
            {
                task = body();
            }
            catch (Exception e)
            {
                done.SetException(e);
                return;
            }

            task.ContinueWith(_ => context.Complete(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            context.RunUntilComplete();
            if (task.Exception is { } failure)
            {
                done.SetException(failure.InnerExceptions);
            }
            else if (context.LatePosts > 0)
            {
                done.SetException(new InvalidOperationException($"{context.LatePosts} callbacks were posted to the UI thread after the body ended"));
            }
            else
            {
                done.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = "test UI thread",
        };
        thread.Start();
        return done.Task;
    }

    private sealed class PumpContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];
        private int _latePosts;

        public int LatePosts => Volatile.Read(ref _latePosts);

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                _queue.Add((d, state));
            }
            catch (InvalidOperationException)
            {
                Interlocked.Increment(ref _latePosts); // the body has ended: nothing runs this any more
            }
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("nothing in ImageKit should block on the UI thread");

        public override SynchronizationContext CreateCopy() => this;

        public void Complete() => _queue.CompleteAdding();

        public void RunUntilComplete()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }
        }

        public void Dispose() => _queue.Dispose();
    }
}
