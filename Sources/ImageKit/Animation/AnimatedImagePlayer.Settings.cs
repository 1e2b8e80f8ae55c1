using ImageKit.Animation.Internal;
using ImageKit.Decoding;

namespace ImageKit.Animation;

public sealed partial class AnimatedImagePlayer
{
    /// <summary>
    /// Speed: 1 = normal, between 0 and 1 slower, above 1 faster (at most <see cref="MaxPlaybackRate"/>), 0 holds the
    /// current frame (the player stays playing). <value>Default: 1.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, above <see cref="MaxPlaybackRate"/> or not a number.</exception>
    public double PlaybackRate
    {
        get
        {
            lock (_lock)
            {
                return _playbackRate;
            }
        }

        set
        {
            if (!(value is >= 0 and <= MaxPlaybackRate))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The playback rate must be a number from 0 to {MaxPlaybackRate}.");
            }

            lock (_lock)
            {
                _playbackRate = value;
            }
        }
    }

    /// <summary>
    /// The order frames are shown in. Changing it keeps the current frame and loop (one <see cref="SeekToFrame"/> chose too),
    /// except at the start of the playback (before the first frame's time has begun to run, on a new player or after
    /// <see cref="Stop"/> rewound it): the new order then starts at its own first frame. <value>Default: <see cref="PlaybackMode.Normal"/>.</value>
    /// </summary>
    /// <exception cref="ObjectDisposedException">Set after the player has been disposed.</exception>
    public PlaybackMode PlaybackMode
    {
        get
        {
            lock (_lock)
            {
                return _playbackMode;
            }
        }

        set
        {
            var sequence = PlaybackSequence.Create(value, _frameCount);
            var events = new PendingEvents();
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                // At the start of the playback (a new player, or one that Stop rewound) the new order starts at its own
                // beginning; anywhere else (played, paused or sought to) the frame due stays.
                var frame = _core.Sequence[_step];
                var atStart = !_sought && _step == 0 && _loop == 0 && _elapsedInStep == TimeSpan.Zero;
                var step = atStart ? 0 : PlaybackSequence.StepKeepingDirection(_core.Sequence, _step, sequence);
                _playbackMode = value;
                _core.Sequence = sequence;
                if (sequence[step] != frame)
                {
                    _shownCurrentStep = false;
                    _finishedUnshown = false; // another frame now: the finishing one stays skipped

                    // Another frame is due: on screen now if it is buffered (nothing else shows an already decoded frame to a
                    // paused player); otherwise the worker shows it once decoded.
                    _step = step;
                    ShowCurrentIfReady(ref events);
                }

                _step = step;
                _core.SetPlayhead(_step);
            }

            _worker.Wake();
            RaiseFromCall(events);
        }
    }

    /// <summary>
    /// Plays in total before finishing: 0 = forever. A one-frame image's loop lasts its frame's duration, as a one-frame
    /// animation's does. <value>Default: the image's <see cref="AnimatedImage.LoopCount"/>.</value>
    /// </summary>
    /// <remarks>
    /// Made finite while a one-frame image plays forever (which needs no ticks), the player subscribes to the display link
    /// to time the loops, as <see cref="Play"/> does, and throws what starting the link throws.
    /// </remarks>
    public int TotalLoopCount
    {
        get
        {
            lock (_lock)
            {
                return _totalLoopCount;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            bool startLink;
            lock (_lock)
            {
                _totalLoopCount = value;
                startLink = _playing && _subscription is null && NeedsLink && !_disposed;
            }

            if (startLink)
            {
                try
                {
                    Play(); // a still playing forever without ticks: its loops are timed from now on
                }
                catch (ObjectDisposedException) when (IsDisposedNow)
                {
                    // Disposed meanwhile: nothing to time.
                }
            }
        }
    }
}
