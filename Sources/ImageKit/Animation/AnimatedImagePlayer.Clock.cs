using ImageKit.Diagnostics.Internal;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    /// <summary>The most <see cref="LoopCompleted"/> events one tick raises (see the event).</summary>
    internal const int MaxLoopEventsPerTick = 16;

    // Steps the clock walked one by one (under _lock); for tests, which check that a tick's work does not grow with time.
    private long _clockSteps;

    // Whether the position is one SeekToFrame chose (under _lock): frame 0 of loop 0 sought to is not the start of the
    // playback, where a new PlaybackMode starts at its own first frame; the frame sought to stays due.
    private bool _sought;

    // The length of one loop of _loopDurationOf (a playback order), computed when the order changes (under _lock).
    private int[]? _loopDurationOf;
    private TimeSpan _loopDuration;

    /// <summary>Frames the clock has walked past one by one; for tests.</summary>
    internal long ClockSteps
    {
        get
        {
            lock (_lock)
            {
                return _clockSteps;
            }
        }
    }

    private void Advance(TimeSpan delta, ref PendingEvents events)
    {
        if (_options.WaitForFrames && !_shownCurrentStep && !_core.HasFailed(_core.Sequence[_step]))
        {
            return; // the clock waits for the frame that is due, unless it failed to decode: it never will be
        }

        _elapsedInStep += delta;
        var sequence = _core.Sequence;
        while (true)
        {
            var duration = _durations[sequence[_step]];
            if (_elapsedInStep < duration)
            {
                return;
            }

            var nextStep = (_step + 1) % sequence.Length;
            if (_options.WaitForFrames && !_core.Buffer.Contains(sequence[nextStep]) && !_core.HasFailed(sequence[nextStep]))
            {
                _elapsedInStep = duration;
                return;
            }

            var finishing = nextStep == 0 && _totalLoopCount > 0 && _loop + 1 >= _totalLoopCount;
            if (!_shownCurrentStep)
            {
                _framesSkipped++;
                if (finishing)
                {
                    // It stays current and is shown once decoded: then counted shown instead (see ShowCurrentIfReady),
                    // never both; the metric, which cannot take it back, counts only that.
                    _finishedUnshown = true;
                }
                else
                {
                    Contained.Add(_metrics.FramesSkipped, 1);
                }
            }

            if (nextStep == 0)
            {
                _loopsCompleted++;
                events.AddLoopCompleted(_loop);
                if (finishing)
                {
                    Finish(ref events);
                    return;
                }

                if (_loop < int.MaxValue)
                {
                    _loop++; // an endless animation sought to loop int.MaxValue stays there rather than going negative
                }

                _core.ForgetTransientFailures(); // tried again once a loop: a frame that failed for want of memory may pass now
            }

            _elapsedInStep -= duration;
            _clockSteps++;
            _step = nextStep;
            _shownCurrentStep = false;
            if (duration <= TimeSpan.Zero && LoopDuration(sequence) <= TimeSpan.Zero)
            {
                // A loop of zero-length frames only (AsEncoded durations) must not spin forever: one step per tick. A
                // zero-length frame among others is passed at once, and the time left goes to the frames after it.
                _elapsedInStep = TimeSpan.Zero;
                return;
            }

            if (nextStep == 0)
            {
                SkipWholeLoops(sequence, ref events);
            }
        }
    }

    // Under _lock, on the first step of a loop not yet shown: the loops that the time left would play in full are skipped
    // at once instead of walked frame by frame, so that a tick's work does not grow with the time it follows (a long gap
    // at a high rate, very short frames, a slow link). Counted as the walk counts them: every frame skipped, every loop
    // completed; LoopCompleted is raised for the last MaxLoopEventsPerTick only. A finite playback's last loop is walked,
    // so that it finishes as ever; so are the loops of a WaitForFrames player that lacks a frame (it waits for that frame).
    private void SkipWholeLoops(int[] sequence, ref PendingEvents events)
    {
        var loopTicks = LoopDuration(sequence).Ticks;
        if (loopTicks <= 0 || _elapsedInStep.Ticks < loopTicks)
        {
            return;
        }

        var whole = _elapsedInStep.Ticks / loopTicks;
        if (_totalLoopCount > 0)
        {
            whole = Math.Min(whole, _totalLoopCount - 1L - _loop);
        }

        if (whole <= 0 || (_options.WaitForFrames && !EveryFrameReady()))
        {
            return;
        }

        var first = _loop;
        var skippedFrames = whole * sequence.Length;
        _elapsedInStep -= TimeSpan.FromTicks(whole * loopTicks);
        _loopsCompleted += whole;
        _framesSkipped += skippedFrames;
        Contained.Add(_metrics.FramesSkipped, skippedFrames);
        for (var k = Math.Max(0, whole - MaxLoopEventsPerTick); k < whole; k++)
        {
            events.AddLoopCompleted((int)Math.Min(int.MaxValue, first + k));
        }

        _loop = (int)Math.Min(int.MaxValue, first + whole);
    }

    // Under _lock: one loop of `sequence` (zero-length frames add nothing), zero when no frame has a length (the walk then
    // takes one step per tick: nothing to skip).
    private TimeSpan LoopDuration(int[] sequence)
    {
        if (ReferenceEquals(sequence, _loopDurationOf))
        {
            return _loopDuration;
        }

        var total = TimeSpan.Zero;
        foreach (var index in sequence)
        {
            var duration = _durations[index];
            if (duration <= TimeSpan.Zero)
            {
                continue;
            }

            // A loop longer than a TimeSpan holds (durations a custom policy or source made huge) is never skipped whole.
            total = total > TimeSpan.MaxValue - duration ? TimeSpan.MaxValue : total + duration;
        }

        _loopDurationOf = sequence;
        _loopDuration = total;
        return total;
    }

    // Under _lock: whether a WaitForFrames clock would walk a whole loop without waiting (every frame buffered or failed).
    private bool EveryFrameReady()
    {
        for (var index = 0; index < _frameCount; index++)
        {
            if (!_core.Buffer.Contains(index) && !_core.HasFailed(index))
            {
                return false;
            }
        }

        return true;
    }

    private void Finish(ref PendingEvents events)
    {
        _finished = true;
        SetPlaying(false);
        _elapsedInStep = TimeSpan.Zero;
        events.Finished = true;
        events.Unsubscribe = _subscription;
        _subscription = null;
    }
}
