using System.Runtime.ExceptionServices;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    // A playback session begins with each Play that finds the player paused; _startsInFlight counts the Plays of the
    // current session still starting the link. A failed start rolls back to paused only if its session is current and no
    // other start of it is still running (under _lock).
    private long _playSession;
    private int _startsInFlight;

    /// <summary>Starts or resumes playback from the current position; after <see cref="Finished"/>, starts over.</summary>
    /// <exception cref="ObjectDisposedException">The player has been disposed.</exception>
    public void Play()
    {
        var events = new PendingEvents();
        ExceptionDispatchInfo? stopFailure = null;
        bool subscribe;
        long session;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_playing && (_subscription is not null || !NeedsLink))
            {
                return;
            }

            // Playing without a subscription: another Play is starting the link. This one starts it too rather than
            // trusting that start, which may fail after this call has returned as if the player played.
            if (!_playing)
            {
                if (_finished)
                {
                    _finished = false;
                    MoveTo(0, 0);
                }

                SetPlaying(true);
                _playSession++;
                _startsInFlight = 0; // the starts of an earlier session, still running, no longer count
                _core.Idle = false;
                _core.ForgetTransientFailures(); // a frame that failed for want of memory, say, is tried again
                _lastTimestamp = null;
                ShowCurrentIfReady(ref events);
            }

            session = _playSession;
            subscribe = NeedsLink;
            if (subscribe)
            {
                _startsInFlight++;
            }
        }

        if (subscribe)
        {
            // Outside _lock: starting the link may wait for a stop in progress (a Pause of its last subscriber on another
            // thread), which waits for the tick being delivered, which may be waiting for _lock in OnDisplayLinkTick.
            IDisposable? subscription = null;
            TimeSpan period;
            try
            {
                var link = _displayLinkProvider.GetDisplayLink();
                subscription = link.Subscribe(this);

                // Read outside _lock too: a native link may ask its OS for the period, and the tick thread takes _lock.
                period = link.RefreshPeriod;
            }
            catch
            {
                // The link failed to start (or its provider is disposed): this Play did not happen, so the next one
                // subscribes again instead of returning early on a player that thinks it plays but gets no ticks. Only if
                // it was the last hope of its playback: not after a Pause and a newer Play on other threads (another
                // session, which the roll-back must not undo), nor while another Play of this session is still starting.
                subscription?.Dispose();
                lock (_lock)
                {
                    if (_playSession == session && --_startsInFlight == 0 && _subscription is null)
                    {
                        SetPlaying(false);
                    }
                }

                throw;
            }

            lock (_lock)
            {
                if (_playSession == session)
                {
                    _startsInFlight--;
                }

                if (_playing && !_disposed && _subscription is null)
                {
                    _subscription = subscription;
                    _linkPeriod = period;
                    subscription = null;
                }
            }

            try
            {
                subscription?.Dispose(); // paused, finished or disposed meanwhile, or another Play subscribed first
            }
            catch (Exception e)
            {
                // The link failed to stop: the worker and the first frame's event still go ahead, then it is thrown.
                stopFailure = ExceptionDispatchInfo.Capture(e);
            }
        }

        _worker.Wake();
        RaiseFromCall(events);
        stopFailure?.Throw();
    }

    /// <summary>Pauses on the current frame and leaves the display link; <see cref="Play"/> resumes from here.</summary>
    public void Pause()
    {
        IDisposable? subscription;
        lock (_lock)
        {
            SetPlaying(false);
            subscription = _subscription;
            _subscription = null;
        }

        subscription?.Dispose();
    }

    /// <summary>
    /// Pauses, then goes back to the first frame (<see cref="AnimatedImagePlayerOptions.ResetFrameIndexWhenStopped"/>) and
    /// drops the buffered frames (<see cref="AnimatedImagePlayerOptions.ClearBufferWhenStopped"/>). Without going back, a
    /// finished player stays on its last frame and <see cref="Play"/> starts over, as after <see cref="Finished"/>.
    /// </summary>
    /// <remarks>
    /// A display link whose backend fails to stop throws that failure to the thread that leaves it (as from
    /// <see cref="Pause"/>); <see cref="Stop"/> throws it only once it has gone back to the first frame and dropped the
    /// buffer all the same.
    /// </remarks>
    public void Stop()
    {
        // A link whose backend fails to stop throws from the unsubscribe, after the player has left it: the rest of Stop
        // still happens, and the failure is thrown at the end.
        ExceptionDispatchInfo? failure = null;
        try
        {
            Pause();
        }
        catch (Exception e)
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }

        StopAfterPause();
        failure?.Throw();
    }

    private void StopAfterPause()
    {
        var events = new PendingEvents();
        bool clear;
        lock (_lock)
        {
            if (_disposed)
            {
                return; // Dispose released the buffer, or is about to: a frame put on screen now would never be released
            }

            // A Stop that does not rewind leaves a finished playback finished, where it ended: the next Play starts over,
            // as after Finished (cleared here, that Play would replay the last frame and finish again).
            if (_options.ResetFrameIndexWhenStopped)
            {
                _finished = false;
                MoveTo(0, 0);

                // The first frame goes on screen now if it is buffered; otherwise the worker shows it once decoded.
                ShowCurrentIfReady(ref events);
            }

            // A Play on another thread since the Pause above wins: its playback keeps its buffer and its decode window.
            clear = _options.ClearBufferWhenStopped && !_playing;
            if (clear)
            {
                _core.Idle = true;
            }
        }

        if (clear)
        {
            _core.Buffer.Clear();
        }

        _worker.Wake();
        RaiseFromCall(events);
    }

    /// <summary>Jumps to frame <paramref name="index"/> of loop <paramref name="loop"/>; playing or paused stays as it was.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is not a frame, or the loop is negative or past a finite loop count.</exception>
    /// <exception cref="ObjectDisposedException">The player has been disposed.</exception>
    public void SeekToFrame(int index, int loop = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _frameCount);
        ArgumentOutOfRangeException.ThrowIfNegative(loop);
        var events = new PendingEvents();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this); // a frame put on screen now would never be released
            if (_totalLoopCount > 0 && loop >= _totalLoopCount)
            {
                throw new ArgumentOutOfRangeException(nameof(loop), loop, $"The player plays {_totalLoopCount} loops.");
            }

            _finished = false;
            MoveTo(Math.Max(0, Array.IndexOf(_core.Sequence, index)), loop, sought: true);
            ShowCurrentIfReady(ref events);
        }

        _worker.Wake();
        RaiseFromCall(events);
    }
}
