using ImageKit.Animation.Internal;
using ImageKit.Decoding;
using ImageKit.Diagnostics.Internal;
using ImageKit.Display;

namespace ImageKit.Animation;

/// <summary>
/// Plays an <see cref="AnimatedImage"/> in time with a display link (the counterpart of SDWebImage's
/// <c>SDAnimatedImagePlayer</c>): frames are decoded ahead on a background worker into a budgeted buffer, and each refresh
/// of the link only works out which frame is due and shows it if it is ready.
/// </summary>
/// <remarks>
/// <para>
/// <b>Time.</b> Every frame is shown for its effective duration divided by <see cref="PlaybackRate"/>. When decoding
/// falls behind, wall-clock time is kept and the frames that were due but not ready are skipped and counted
/// (<see cref="AnimatedImagePlayerOptions.WaitForFrames"/> stops the clock instead). A finite loop count ends playback on
/// the last frame of the last loop: that frame stays current, <see cref="IsPlaying"/> turns false and
/// <see cref="Finished"/> is raised once. A one-frame image plays as a one-frame animation: each loop lasts its frame's
/// duration, and a finite loop count (a still's own is 1) finishes as any other; played forever it never ticks, and
/// <see cref="IsPlaying"/> stays true.
/// </para>
/// <para>
/// <b>Threading.</b> Every member is thread-safe. Events are raised on the
/// <see cref="AnimatedImagePlayerOptions.SynchronizationContext"/> when one is given, else on the display-link thread (or
/// a thread-pool thread, when a paused player shows a frame just decoded, or the caller's thread, when <c>Play</c>,
/// <c>Stop</c>, <c>SeekToFrame</c> or <c>PlaybackMode</c> puts a frame already decoded on screen); never on the decode
/// worker. A handler may dispose the player; one that throws is counted, never thrown into the caller.
/// </para>
/// <para>
/// <b>Lifetime.</b> <see cref="Dispose"/> unsubscribes from the link, stops the worker and releases every buffered frame
/// before it returns, and after it returns no event handler runs: it waits for one running on another thread (not for
/// the one it is called from). A player nobody references is collected even if never disposed: the link holds it weakly, the
/// worker does not hold it at all, and its budget share is returned when its buffer is finalized. The player holds an
/// <see cref="ImageLease"/> on its image until it is disposed, so the image's creator (or a cache evicting it) may let go
/// of the image at any time while it plays.
/// </para>
/// </remarks>
public sealed partial class AnimatedImagePlayer : IDisposable, IAsyncDisposable, IDisplayLinkTarget
{
    // 64 MiB: past this a buffer of every frame costs more than decoding ahead does.
    private const long AutomaticBufferCap = 64L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly AnimatedImagePlayerOptions _options;
    private readonly DisplayLinkProvider _displayLinkProvider;
    private readonly PlaybackCore _core;
    private readonly FrameDecodeWorker _worker;
    private double _playbackRate = 1;
    private PlaybackMode _playbackMode;
    private int _totalLoopCount;
    private readonly ImageLease _imageLease;

    // The image's shape, kept apart from the image: a disposed player must not keep the image alive through them.
    private readonly int _frameCount;
    private readonly IReadOnlyList<TimeSpan> _durations;

    // The refresh period of the link subscribed to (under _lock).
    private TimeSpan _linkPeriod;
    private bool _disposed;

    /// <summary>Creates a paused player for <paramref name="image"/>, positioned on the first frame of the playback order.</summary>
    /// <param name="image">The image to play. The player takes its own lease on it; the caller keeps its ownership.</param>
    /// <param name="options">Setup; <see langword="null"/> for <see cref="AnimatedImagePlayerOptions.Default"/>.</param>
    /// <exception cref="ObjectDisposedException">The image has already been released.</exception>
    public AnimatedImagePlayer(AnimatedImage image, AnimatedImagePlayerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        _options = options ?? AnimatedImagePlayerOptions.Default;
        _metrics = ImageKitMetrics.For(_options.MeterFactory);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxBufferSize, nameof(options));
        _imageLease = image.AcquireLease();
        try
        {
            _frameCount = image.FrameCount;
            _durations = image.EffectiveFrameDurations;
            _displayLinkProvider = _options.DisplayLinkProvider ?? DisplayLinkProvider.System;
            _totalLoopCount = image.LoopCount;
            var budget = _options.Budget ?? FrameBudget.Shared;
            var buffer = new FrameBuffer(budget, image.FrameByteCount, BufferFrames(image, budget, _options.MaxBufferSize));
            _core = new PlaybackCore(this, image, buffer, PlaybackSequence.Create(_playbackMode, image.FrameCount));
            _worker = new FrameDecodeWorker(_core);
            _worker.Wake();
        }
        catch
        {
            _imageLease.Dispose();
            throw;
        }
    }

    /// <summary>Raised when the frame on screen changes.</summary>
    public event EventHandler<FrameChangedEventArgs>? FrameChanged;

    /// <summary>
    /// Raised when a loop has been played to its end. A tick that completes more than 16 loops at once (the clock catching
    /// up after a long gap between ticks at a high <see cref="PlaybackRate"/>, or very short frames) raises it for the last
    /// 16 only, in order: the loops before them were skipped, as frames due but not shown are, and are counted in
    /// <see cref="PlayerStatistics.LoopsCompleted"/>.
    /// </summary>
    public event EventHandler<LoopCompletedEventArgs>? LoopCompleted;

    /// <summary>Raised once when the last loop of a finite loop count ends.</summary>
    public event EventHandler? Finished;

    /// <summary>The fastest <see cref="PlaybackRate"/>: 100 times normal speed.</summary>
    public const double MaxPlaybackRate = 100;

    /// <summary>
    /// The longest time between two display-link ticks that the animation clock follows; a longer gap (the machine slept,
    /// the app was suspended) advances it by this much only.
    /// </summary>
    internal static readonly TimeSpan MaxTickGap = TimeSpan.FromSeconds(1);

    /// <summary>The image being played.</summary>
    /// <exception cref="ObjectDisposedException">The player has been disposed: it no longer refers to the image, so that a
    /// disposed player kept somewhere cannot keep the image from being collected.</exception>
    public AnimatedImage Image => _imageLease.Image;

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

    /// <summary>Whether the player is advancing through frames.</summary>
    public bool IsPlaying
    {
        get
        {
            lock (_lock)
            {
                return _playing;
            }
        }
    }

    /// <summary>The index of the frame due now (the one on screen once it has been decoded).</summary>
    public int CurrentFrameIndex
    {
        get
        {
            lock (_lock)
            {
                return _core.Sequence[_step];
            }
        }
    }

    /// <summary>The loop being played, from 0.</summary>
    public int CurrentLoop
    {
        get
        {
            lock (_lock)
            {
                return _loop;
            }
        }
    }

    /// <summary>What the player has done so far.</summary>
    public PlayerStatistics Statistics
    {
        get
        {
            var samples = _core.DecodeSamples();
            Array.Sort(samples);
            lock (_lock)
            {
                return new PlayerStatistics(
                    _framesShown,
                    _framesSkipped,
                    _loopsCompleted,
                    _core.DecodeErrors,
                    Percentile(samples, 0.50),
                    Percentile(samples, 0.99),
                    _core.Buffer.BufferedBytes,
                    _core.Buffer.PeakBytes);
            }
        }
    }

    /// <summary>
    /// Returns a lease on the frame on screen, owned by the caller (dispose it), or <see langword="null"/> before the first
    /// frame has been decoded. A method rather than a property because every call hands out a lease to dispose.
    /// </summary>
    public ImageFrame? GetCurrentFrame()
    {
        lock (_lock)
        {
            return _current?.Share();
        }
    }

    internal int BufferedFrameCount => _core.Buffer.Count;

    /// <summary>Drops buffered frames except the one on screen (memory pressure); the buffer refills as playback goes on.</summary>
    public void TrimBuffer() => _core.Buffer.Trim();

    /// <summary>Whether a disposal has told the decode worker to stop (tests).</summary>
    internal bool DecodeWorkerStopping => _worker.IsStopping;

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

    private static int BufferFrames(AnimatedImage image, FrameBudget budget, long maxBufferSize)
    {
        var frameBytes = Math.Max(1, image.FrameByteCount);
        var bytes = maxBufferSize > 0 ? maxBufferSize : Math.Min(AutomaticBufferCap, budget.CapacityBytes / 4);
        return (int)Math.Clamp(bytes / frameBytes, FrameBuffer.MinimumFrames, Math.Max(FrameBuffer.MinimumFrames, image.FrameCount));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
