using ImageKit.Decoding;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    // Completed once the Dispose that releases the player has stopped the worker and released the frames, the budget share
    // and the image lease: a Dispose called meanwhile waits for it. Set with _disposed (under _lock).
    private TaskCompletionSource? _released;

    /// <summary>
    /// Stops playback, unsubscribes from the link, stops the worker and releases every buffered frame. Idempotent: a call
    /// made while another is under way returns once that one has released the player (called from inside a handler, once
    /// the handlers running on other threads have returned, since that other call may be waiting for this handler).
    /// </summary>
    /// <remarks>
    /// Once it returns, no handler of the player's events runs any more: events being raised on another thread (the
    /// display link's, a thread-pool thread showing a decoded frame, the synchronization context's) are waited for, with
    /// every handler they still call, and nothing is raised after. Called from inside a handler it cannot wait for that
    /// handler, and does not deadlock: the rest of that handler runs, and the events of that delivery not raised yet are
    /// dropped (the other handlers of one multicast event are still called). Because it may wait for a handler, do not
    /// call it while holding a lock that a handler takes, nor from a thread a handler waits for (a handler that
    /// synchronously invokes onto the thread disposing the player).
    /// </remarks>
    public void Dispose()
    {
        if (!BeginDispose(out var subscription))
        {
            WaitForOtherDispose(); // another Dispose is releasing the player; this one's caller gets the same guarantees
            return;
        }

        // A link that fails to stop throws to the thread that unsubscribes: the player is released all the same first.
        try
        {
            subscription?.Dispose();
        }
        finally
        {
            try
            {
                WaitForDeliveries();
                _worker.StopAsync().GetAwaiter().GetResult();
            }
            finally
            {
                EndDispose();
            }
        }
    }

    /// <summary>
    /// Like <see cref="Dispose"/>, waiting for a decode in progress, and for handlers running on other threads,
    /// asynchronously. A call made while another is under way completes once that one has released the player, also
    /// from inside a handler (awaiting it does not hold that handler up).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose(out var subscription))
        {
            await WaitForOtherDisposeAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            subscription?.Dispose();
        }
        finally
        {
            try
            {
                await WaitForDeliveriesAsync().ConfigureAwait(false);
                await _worker.StopAsync().ConfigureAwait(false);
            }
            finally
            {
                EndDispose();
            }
        }
    }
    // Marks the player disposed and hands back its subscription, for the caller to end (outside _lock).
    private bool BeginDispose(out IDisposable? subscription)
    {
        lock (_lock)
        {
            subscription = null;
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            SetPlaying(false);
            subscription = _subscription;
            _subscription = null;
        }

        return true;
    }

    private void EndDispose()
    {
        ImageFrame? current;
        lock (_lock)
        {
            current = _current;
            _current = null;
        }

        try
        {
            current?.Dispose();
            _core.Buffer.Dispose();
            _core.ReleaseImage(); // the worker has stopped
            _imageLease.Dispose();
        }
        finally
        {
            _released!.TrySetResult();
        }
    }

    // A Dispose that finds another under way (on another thread, or earlier on this one, still waiting) gives its caller
    // the same guarantees: no handler runs after it returns, and the player is released. From inside one of the player's
    // handlers it cannot wait for the release: the other Dispose may be waiting for that very handler.
    private void WaitForOtherDispose()
    {
        WaitForDeliveries();
        if (!IsDeliveringOnThisThread())
        {
            _released!.Task.Wait();
        }
    }

    // An await cannot hold up a handler it is called from (its delivery ends when the handler returns at the await), so
    // this one waits for the release from a handler too.
    private async ValueTask WaitForOtherDisposeAsync()
    {
        var released = _released!.Task;
        await WaitForDeliveriesAsync().ConfigureAwait(false);
        await released.ConfigureAwait(false);
    }
}
