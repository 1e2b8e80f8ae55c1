namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    private int _frameChangedPosted;
    private long _failedHandlers;

    /// <summary>Event handlers that threw when raised off the display link (a paused player showing a decoded frame); for tests.</summary>
    internal long FailedHandlers => Interlocked.Read(ref _failedHandlers);

    // Raised outside the lock, in order: frame changes, completed loops, then the end.
    private void Raise(PendingEvents events)
    {
        events.Unsubscribe?.Dispose();
        var context = _options.SynchronizationContext;
        if (events.FrameChanged is var (index, loop))
        {
            if (context is null)
            {
                RaiseFrameChanged(index, loop);
            }
            else if (Interlocked.Exchange(ref _frameChangedPosted, 1) == 0)
            {
                // At most one frame change is pending on the UI thread; when it runs it shows whatever is current then.
                context.Post(static state => ((AnimatedImagePlayer)state!).RaisePostedFrameChanged(), this);
            }
        }

        foreach (var completed in events.LoopsCompleted)
        {
            var args = new LoopCompletedEventArgs(completed);
            Dispatch(context, () => LoopCompleted?.Invoke(this, args));
        }

        if (events.Finished)
        {
            Dispatch(context, () => Finished?.Invoke(this, EventArgs.Empty));
        }
    }

    private void RaisePostedFrameChanged()
    {
        Volatile.Write(ref _frameChangedPosted, 0);
        int index, loop;
        lock (_lock)
        {
            index = _currentIndex;
            loop = _loop;
        }

        RaiseFrameChanged(index, loop);
    }

    private void RaiseFrameChanged(int index, int loop)
    {
        var handler = FrameChanged;
        if (handler is null)
        {
            return;
        }

        using var frame = GetCurrentFrame();
        if (frame is not null && frame.Index == index)
        {
            handler(this, new FrameChangedEventArgs(index, loop, frame));
        }
    }

    private static void Dispatch(SynchronizationContext? context, Action raise)
    {
        if (context is null)
        {
            raise();
        }
        else
        {
            context.Post(static state => ((Action)state!)(), raise);
        }
    }

    private struct PendingEvents()
    {
        public (int Index, int Loop)? FrameChanged;
        public List<int> LoopsCompleted = [];
        public bool Finished;
        public IDisposable? Unsubscribe;
    }
}
