using ImageKit.Decoding;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    // Completed once the Dispose that releases the player has stopped the worker and released the frames, the budget share
    // and the image lease: a Dispose called meanwhile waits for it. Set with _disposed (under _lock).
    private TaskCompletionSource? _released;

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
