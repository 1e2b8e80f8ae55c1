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

    private long _framesShown;
    private long _framesSkipped;

    // The last frame of a finished playback, counted skipped because its time ran out before it was decoded: it stays
    // current, so once it is decoded it is shown, and moves from skipped to shown.
    private bool _finishedUnshown;
    private long _loopsCompleted;

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
