using System.Runtime.ExceptionServices;
using ImageKit.Decoding;
using ImageKit.Diagnostics.Internal;
using ImageKit.Display;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    // Playback state, guarded by _lock. Ticks hold the lock only to advance the clock and swap a frame lease: they never
    // decode and never wait for the worker.
    private int _step;
    private int _loop;
    private bool _playing;
    private bool _finished;
    private bool _shownCurrentStep;
    private TimeSpan _elapsedInStep;
    private TimeSpan? _lastTimestamp;
    private ImageFrame? _current;
    private int _currentIndex = -1;
    private IDisposable? _subscription;

    // A playback session begins with each Play that finds the player paused; _startsInFlight counts the Plays of the
    // current session still starting the link. A failed start rolls back to paused only if its session is current and no
    // other start of it is still running (under _lock).
    private long _playSession;
    private int _startsInFlight;
    private long _framesShown;
    private long _framesSkipped;

    // The last frame of a finished playback, counted skipped because its time ran out before it was decoded: it stays
    // current, so once it is decoded it is shown, and moves from skipped to shown.
    private bool _finishedUnshown;
    private long _loopsCompleted;

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

    void IDisplayLinkTarget.OnDisplayLinkTick(DisplayLinkTick tick)
    {
        var events = new PendingEvents();
        lock (_lock)
        {
            if (!_playing)
            {
                return;
            }

            var previous = _lastTimestamp;
            _lastTimestamp = tick.Timestamp;
            if (previous is { } last && _playbackRate > 0)
            {
                // A gap longer than MaxTickGap (the machine slept, the app was suspended) counts as MaxTickGap: an endless
                // animation goes on where it was instead of racing through thousands of loops in one tick. A link slower
                // than that (a timer link at under 1 Hz) is followed up to two of its periods: its RefreshPeriod, not the
                // tick's TargetTimestamp, which a late tick brings closer and a custom link may set anywhere.
                var gap = tick.Timestamp - last;
                var longest = _linkPeriod > MaxTickGap / 2 ? TimeSpan.FromTicks(Math.Min(_linkPeriod.Ticks, TimeSpan.TicksPerDay) * 2) : MaxTickGap;
                Advance((gap > longest ? longest : gap) * _playbackRate, ref events);
            }

            ShowCurrentIfReady(ref events, playedByClock: true);
            _core.SetPlayhead(_step);
            if (_playing && !NeedsLink)
            {
                // A still made endless while its loops were timed: nothing will change on screen any more. Made finite
                // again, it is timed from the first tick of the link started then, not from this one.
                events.Unsubscribe = _subscription;
                _subscription = null;
                _lastTimestamp = null;
            }
        }

        _worker.Wake();
        Raise(events);
    }

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

    // Under _lock: whether playing needs ticks. A still's only while a finite loop count times its loops (its frame's
    // duration each, as a one-frame animation's): played forever, nothing on screen would ever change.
    private bool NeedsLink => _frameCount > 1 || _totalLoopCount > 0;

    private void MoveTo(int step, int loop, bool sought = false)
    {
        _sought = sought;
        _step = step;
        _loop = loop;
        _elapsedInStep = TimeSpan.Zero;
        _lastTimestamp = null;
        _shownCurrentStep = false;
        _finishedUnshown = false;
        _core.SetPlayhead(step);
    }

    // playedByClock: the tick's call, for the step its clock walked to (see the same-picture case).
    private void ShowCurrentIfReady(ref PendingEvents events, bool playedByClock = false)
    {
        if (_shownCurrentStep)
        {
            return;
        }

        var index = _core.Sequence[_step];
        var frame = _core.Buffer.TryShare(index);
        if (frame is null)
        {
            return;
        }

        _shownCurrentStep = true;
        if (_finishedUnshown)
        {
            _finishedUnshown = false;
            _framesSkipped--;
            playedByClock = true; // played, counted skipped until now: shown instead
        }

        _core.Buffer.Pin(index);
        if (index == _currentIndex && _current is not null)
        {
            // The same picture is already on screen (a seek to the shown frame; a step the clock reached after skipping
            // the one before it, as a frame that fails to decode between two steps of one frame is). No FrameChanged; but
            // a step played is shown or skipped, so the clock's counts as shown.
            frame.Dispose();
            if (playedByClock)
            {
                _framesShown++;
                Contained.Add(_metrics.FramesShown, 1);
            }

            return;
        }

        _current?.Dispose();
        _current = frame;
        _currentIndex = index;
        _currentLoop = _loop;
        _framesShown++;
        Contained.Add(_metrics.FramesShown, 1);
        events.FrameChanged = (index, _loop);
    }
}
