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

    private static int BufferFrames(AnimatedImage image, FrameBudget budget, long maxBufferSize)
    {
        var frameBytes = Math.Max(1, image.FrameByteCount);
        var bytes = maxBufferSize > 0 ? maxBufferSize : Math.Min(AutomaticBufferCap, budget.CapacityBytes / 4);
        return (int)Math.Clamp(bytes / frameBytes, FrameBuffer.MinimumFrames, Math.Max(FrameBuffer.MinimumFrames, image.FrameCount));
    }
}
