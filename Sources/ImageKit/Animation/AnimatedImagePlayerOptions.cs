using System.Diagnostics.Metrics;
using ImageKit.Display;

namespace ImageKit.Animation;

/// <summary>How an <see cref="AnimatedImagePlayer"/> is set up. Every property has a documented default.</summary>
public sealed record AnimatedImagePlayerOptions
{
    /// <summary>The defaults.</summary>
    public static AnimatedImagePlayerOptions Default { get; } = new();

    /// <summary>
    /// Where the display link comes from. <value>Default: <see langword="null"/>, meaning
    /// <see cref="DisplayLinkProvider.System"/> (CVDisplayLink on a Mac with a display, a 60 Hz timer elsewhere).</value>
    /// </summary>
    public DisplayLinkProvider? DisplayLinkProvider { get; init; }

    /// <summary>
    /// Where events are raised. <value>Default: <see langword="null"/>: events are raised on the display-link thread
    /// (handlers must then be quick and must not block), or on a thread-pool thread when a paused player shows a frame
    /// that has just been decoded, or on the thread of the call that put a frame already decoded on screen.</value> Give the UI thread's context to get them there; frame
    /// changes are then coalesced so that at most one is pending.
    /// </summary>
    public SynchronizationContext? SynchronizationContext { get; init; }

    /// <summary>
    /// The most bytes of decoded frames the player buffers ahead. <value>Default: 0 = automatic: every frame when they fit
    /// in a quarter of the budget and 64 MiB, else as many as do (at least two).</value>
    /// </summary>
    public long MaxBufferSize { get; init; }

    /// <summary>The memory budget the buffer draws from. <value>Default: <see cref="FrameBudget.Shared"/>.</value></summary>
    public FrameBudget? Budget { get; init; }

    /// <summary>
    /// When decoding falls behind: <see langword="false"/> keeps wall-clock time and skips (and counts) frames that were due
    /// but not ready; <see langword="true"/> stops the clock until the next frame is ready. <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool WaitForFrames { get; init; }

    /// <summary>Whether <see cref="AnimatedImagePlayer.Stop"/> drops the buffered frames. <value>Default: <see langword="true"/>.</value></summary>
    public bool ClearBufferWhenStopped { get; init; } = true;

    /// <summary>Whether <see cref="AnimatedImagePlayer.Stop"/> goes back to the first frame. <value>Default: <see langword="true"/>.</value></summary>
    public bool ResetFrameIndexWhenStopped { get; init; } = true;

    /// <summary>
    /// Creates the <c>ImageKit</c> meter the player counts frames shown and skipped and players playing in.
    /// <value>Default: <see langword="null"/> (the process-wide <c>ImageKit</c> meter).</value>
    /// </summary>
    public IMeterFactory? MeterFactory { get; init; }
}
