using System.Runtime.ExceptionServices;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    private int _frameChangedPosted;

    // The loop the frame on screen was shown in (under _lock): a posted frame change reports it, not the loop the clock
    // has reached when the post runs (the next one, when the clock passed a loop boundary without showing a new frame).
    private int _currentLoop;
    private long _failedHandlers;

    /// <summary>
    /// Event handlers that threw when raised off the display link (a paused player showing a decoded frame, or a call such
    /// as <see cref="SeekToFrame"/> showing a frame already buffered); for tests.
    /// </summary>
    internal long FailedHandlers => Interlocked.Read(ref _failedHandlers);

    // Raises what a call of the app (Play, Stop, SeekToFrame, PlaybackMode) put on screen, on the caller's thread. A handler
    // that throws is counted, as one raised from a tick or the thread pool is, not thrown to that caller: the call has done
    // its work, and its caller (a view) is often not the handler's author. With a context nothing runs here but the posts,
    // and a post that throws (the context's failure, not a handler's) still reaches the caller.
    private void RaiseFromCall(PendingEvents events)
    {
        if (_options.SynchronizationContext is not null)
        {
            Raise(events);
            return;
        }

        try
        {
            Raise(events);
        }
#pragma warning disable CA1031 // An application's handler: counted, never thrown into the player's own caller.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failedHandlers);
        }
    }

    // Raised outside the lock, in order: frame changes, completed loops, then the end. Without a context the handlers run
    // here, one after another: one that throws does not cancel the others (an app waiting for Finished would wait
    // forever); the first exception is rethrown once all have run, so the display link still counts the failure.
    private void Raise(PendingEvents events)
    {
        var context = _options.SynchronizationContext;
        ExceptionDispatchInfo? failure = null;

        // A link that fails to stop throws to the thread that unsubscribes (a finished playback's tick, on a link that
        // stops on its tick thread): kept to rethrow, so that the tick's events, Finished among them, are still raised.
        if (events.Unsubscribe is { } unsubscribe)
        {
            Run(unsubscribe.Dispose, ref failure);
        }

        // Nothing is raised once the player is disposed, and Dispose on another thread waits for what is being raised.
        if ((events.FrameChanged is not null || events.LoopsCompleted.Count != 0 || events.Finished) && TryBeginDelivery())
        {
            try
            {
                RaiseOrPost(context, events, ref failure);
            }
            finally
            {
                EndDelivery();
            }
        }

        failure?.Throw();
    }

    private void RaiseOrPost(SynchronizationContext? context, PendingEvents events, ref ExceptionDispatchInfo? failure)
    {
        if (events.FrameChanged is var (index, loop))
        {
            if (context is null)
            {
#pragma warning disable CA1031 // An application's handler: kept to rethrow once the other handlers have run.
                try
                {
                    RaiseFrameChanged(index, loop); // not through Run: no closure on every frame
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
#pragma warning restore CA1031
            }
            else if (Interlocked.Exchange(ref _frameChangedPosted, 1) == 0)
            {
                // At most one frame change is pending on the UI thread; when it runs it shows whatever is current then. A
                // post that threw is not pending: left marked, it would swallow every later frame change for good.
#pragma warning disable CA1031 // The context's failure: kept to rethrow once the other events are posted.
                try
                {
                    context.Post(static state => ((AnimatedImagePlayer)state!).RaisePostedFrameChanged(), this);
                }
                catch (Exception e)
                {
                    Volatile.Write(ref _frameChangedPosted, 0);
                    failure ??= ExceptionDispatchInfo.Capture(e);
                }
#pragma warning restore CA1031
            }
        }

        foreach (var completed in events.LoopsCompleted)
        {
            var args = new LoopCompletedEventArgs(completed);
            Dispatch(context, () => InvokeEach(LoopCompleted, args), ref failure);
        }

        if (events.Finished)
        {
            Dispatch(context, () => InvokeEach(Finished), ref failure);
        }
    }

    private void Dispatch(SynchronizationContext? context, Action raise, ref ExceptionDispatchInfo? failure)
    {
        if (context is null)
        {
            // Checked before each handler, as a posted one is: a Dispose on another thread while this tick raised its
            // frame change has returned, and the app has let go of the player.
            if (!IsDisposedNow)
            {
                Run(raise, ref failure);
            }
        }
        else
        {
            // A post that runs after Dispose is dropped, as a posted frame change is: its handler would find a player
            // that no longer has an image (a reused cell disposes its player before the UI thread runs the queue). A
            // post that throws does not keep the events after it (Finished) from being posted.
            Run(
                () => context.Post(
                    static state =>
                    {
                        var (player, raise) = ((AnimatedImagePlayer, Action))state!;
                        if (player.TryBeginDelivery())
                        {
                            try
                            {
                                raise();
                            }
                            finally
                            {
                                player.EndDelivery();
                            }
                        }
                    },
                    (this, raise)),
                ref failure);
        }
    }

#pragma warning disable CA1031 // An application's handler: kept to rethrow once the other handlers have run.
    private static void Run(Action raise, ref ExceptionDispatchInfo? failure)
    {
        try
        {
            raise();
        }
        catch (Exception e)
        {
            failure ??= ExceptionDispatchInfo.Capture(e);
        }
    }
#pragma warning restore CA1031

    /// <summary>Whether the player has been disposed (or is being disposed).</summary>
    internal bool IsDisposedNow
    {
        get
        {
            lock (_lock)
            {
                return _disposed;
            }
        }
    }

    private void RaisePostedFrameChanged()
    {
        Volatile.Write(ref _frameChangedPosted, 0);
        if (!TryBeginDelivery())
        {
            return;
        }

        try
        {
            int index, loop;
            lock (_lock)
            {
                index = _currentIndex;
                loop = _currentLoop;
            }

            RaiseFrameChanged(index, loop);
        }
        finally
        {
            EndDelivery();
        }
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
            InvokeEach(handler, new FrameChangedEventArgs(index, loop, frame));
        }
    }

    // Calls every handler of a multicast event on its own: one that throws does not keep the others (a view's, the app's)
    // from being called. The first exception is rethrown once all have run, to be counted as ever.
    private void InvokeEach<TArgs>(EventHandler<TArgs>? handler, TArgs args)
    {
        if (handler is null || handler.HasSingleTarget)
        {
            handler?.Invoke(this, args);
            return;
        }

        ExceptionDispatchInfo? failure = null;
        foreach (var one in Delegate.EnumerateInvocationList(handler))
        {
            Run(() => one(this, args), ref failure);
        }

        failure?.Throw();
    }

    private void InvokeEach(EventHandler? handler)
    {
        if (handler is null || handler.HasSingleTarget)
        {
            handler?.Invoke(this, EventArgs.Empty);
            return;
        }

        ExceptionDispatchInfo? failure = null;
        foreach (var one in Delegate.EnumerateInvocationList(handler))
        {
            Run(() => one(this, EventArgs.Empty), ref failure);
        }

        failure?.Throw();
    }

    private struct PendingEvents()
    {
        public (int Index, int Loop)? FrameChanged;
        public List<int> LoopsCompleted = [];
        public bool Finished;
        public IDisposable? Unsubscribe;

        // Keeps the last MaxLoopEventsPerTick loops: a tick that completes more raises LoopCompleted for those only.
        public readonly void AddLoopCompleted(int loop)
        {
            if (LoopsCompleted.Count == MaxLoopEventsPerTick)
            {
                LoopsCompleted.RemoveAt(0);
            }

            LoopsCompleted.Add(loop);
        }
    }
}
