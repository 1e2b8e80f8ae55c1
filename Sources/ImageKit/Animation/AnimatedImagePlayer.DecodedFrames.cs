namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    // Called by the worker after it buffered a frame: a paused or one-frame player shows it without waiting for a tick.
    internal void OnFrameDecoded(int index)
    {
        var events = new PendingEvents();
        lock (_lock)
        {
            if (_disposed || _shownCurrentStep || _core.Sequence[_step] != index || (_playing && _subscription is not null))
            {
                return;
            }

            ShowCurrentIfReady(ref events);
        }

        // Never raised on the worker's own thread: a handler that disposes the player would wait there for the worker, that
        // is for itself, and one that throws would end the worker's loop. A handler that throws here is counted, as the
        // display link counts a failing tick.
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Player.RaiseDecodedFrame(state.Events), (Player: this, Events: events), preferLocal: false);
    }

    // Raises a frame change the worker put on screen. Also when playback has started since: the display link raises
    // events only for the frames it puts on screen itself, and this one is already there. A frame that has been replaced
    // since is not raised: without a context RaiseFrameChanged checks that it is still current, a posted change raises
    // the current frame.
    private void RaiseDecodedFrame(PendingEvents events)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
        }

        try
        {
            Raise(events);
        }
#pragma warning disable CA1031 // An application's handler failing must not take down a thread-pool thread (and the process).
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failedHandlers);
        }
    }
}
