using ImageKit.Animation;
using ImageKit.Views.Internal;

namespace ImageKit.Views;

/// <summary>
/// Plays an <see cref="AnimatedImagePlayer"/> only while its view can be seen and the app wants it playing: the
/// decision logic of an animated image view, separate from any UI toolkit.
/// </summary>
/// <remarks>
/// <para>
/// The view reports <see cref="IsInWindow"/>, <see cref="IsHidden"/> and <see cref="IsOccluded"/>; the app states its
/// intent with <see cref="Play"/> and <see cref="Pause"/> (or <see cref="AutoPlay"/> when a player is attached). The
/// player runs exactly while it is visible and wanted: leaving the window, being hidden or occluded pauses it, and
/// becoming visible again resumes it where it was — unless the app paused it, or it finished its loops meanwhile (a
/// finished animation is not restarted by scrolling it back into view; <see cref="Play"/> restarts it).
/// </para>
/// <para>
/// A player that fails to start (its display link could not start: a <see cref="Display.DisplayLinkException"/>) stays
/// paused, and the start is tried again at the next call that finds the view visible and the player wanted. The failure
/// is thrown to the app when its own <see cref="Play"/> started the player; when attaching a <see cref="Player"/> or a
/// visibility input started it, it is reported through <see cref="StartFailed"/> instead, and the input still takes
/// effect: those are set from a UI toolkit's callbacks (AppKit's <c>viewDidMoveToWindow</c>, an occlusion notification),
/// where an exception would reach the toolkit and end the app.
/// </para>
/// <para>
/// A pause that attaching a player without <see cref="AutoPlay"/> or a visibility input set off, and that throws (the
/// player's display link failed to stop; the player is paused all the same), is reported through
/// <see cref="PauseFailed"/> for the same reason; the app's own <see cref="Pause"/> throws it.
/// </para>
/// <para>
/// A player disposed while it is attached is left alone: it is not started again, and nothing is reported or thrown (not
/// by <see cref="Play"/> either). Attach another player, or <see langword="null"/>, to let go of it.
/// </para>
/// <para><b>Threading.</b> Not thread-safe: use it from the UI thread, like the view that owns it.</para>
/// </remarks>
public sealed class PlaybackVisibilityController
{
    private IPlaybackTarget? _target;
    private bool _wantsPlayback;
    private bool _startPending;
    private bool _suspended;
    private bool _isInWindow;
    private bool _isHidden;
    private bool _isOccluded;

    /// <summary>
    /// The player to control, or <see langword="null"/>. Attaching a player sets the intent from <see cref="AutoPlay"/>
    /// (and starts it if the view is visible; without it, pauses a player that is already playing); detaching leaves the old player as it is. The controller never disposes
    /// a player. <value>Default: <see langword="null"/>.</value>
    /// </summary>
    public AnimatedImagePlayer? Player
    {
        get => (_target as PlayerPlaybackTarget)?.Player;
        set => Target = value is null ? null : new PlayerPlaybackTarget(value);
    }

    /// <summary>
    /// A start that attaching a <see cref="Player"/> or a visibility input (<see cref="IsInWindow"/>, <see cref="IsHidden"/>,
    /// <see cref="IsOccluded"/>) set off failed; the player stays paused and is started again at the next of these calls
    /// that finds the view visible. Raised on the thread that made the call, before it returns. A failed start of
    /// <see cref="Play"/> is thrown instead.
    /// </summary>
    public event EventHandler<PlaybackStartFailedEventArgs>? StartFailed;

    /// <summary>
    /// A pause that a visibility input (the view left its window, was hidden or occluded) or attaching a <see cref="Player"/>
    /// without <see cref="AutoPlay"/> set off threw (the player's display link failed to stop; the player is paused all the
    /// same, and the input still takes effect). Raised on the thread that made the call, before it returns. A failed
    /// <see cref="Pause"/> of the app is thrown instead.
    /// </summary>
    public event EventHandler<PlaybackPauseFailedEventArgs>? PauseFailed;

    /// <summary>Whether a newly attached player starts playing as soon as it is visible. <value>Default: <see langword="true"/>.</value></summary>
    public bool AutoPlay { get; set; } = true;

    /// <summary>Whether the view is in a window. <value>Default: <see langword="false"/>.</value></summary>
    public bool IsInWindow
    {
        get => _isInWindow;
        set => SetVisibilityInput(ref _isInWindow, value);
    }

    /// <summary>Whether the view or an ancestor is hidden. <value>Default: <see langword="false"/>.</value></summary>
    public bool IsHidden
    {
        get => _isHidden;
        set => SetVisibilityInput(ref _isHidden, value);
    }

    /// <summary>Whether the view's window is fully covered, minimised or on another space. <value>Default: <see langword="false"/>.</value></summary>
    public bool IsOccluded
    {
        get => _isOccluded;
        set => SetVisibilityInput(ref _isOccluded, value);
    }

    /// <summary>Whether the view can be seen: in a window, not hidden, not occluded.</summary>
    public bool IsVisible => _isInWindow && !_isHidden && !_isOccluded;

    /// <summary>The app's intent: whether the player should play whenever it is visible.</summary>
    public bool WantsPlayback => _wantsPlayback;

    internal IPlaybackTarget? Target
    {
        get => _target;
        set
        {
            _target = value;
            _wantsPlayback = value is not null && AutoPlay;
            _startPending = _wantsPlayback;
            _suspended = false;
            if (value is not null && !_wantsPlayback && value.IsPlaying)
            {
                // Without AutoPlay the app does not want it playing yet: paused until Play, visible or not.
                PauseReportingFailure(value);
            }

            Update(reportFailure: true);
        }
    }

    /// <summary>The app wants playback: plays now if visible, else as soon as the view becomes visible.</summary>
    public void Play()
    {
        _wantsPlayback = true;
        _startPending = true;
        Update(reportFailure: false);
    }

    /// <summary>The app wants the player paused: pauses now and stays paused when the view becomes visible again.</summary>
    public void Pause()
    {
        _wantsPlayback = false;
        _startPending = false;
        _suspended = false;
        _target?.Pause();
    }

    private void SetVisibilityInput(ref bool field, bool value)
    {
        if (field == value)
        {
            return;
        }

        field = value;
        Update(reportFailure: true);
    }

    // reportFailure: a failed start goes to StartFailed instead of the caller (see the remarks).
    private void Update(bool reportFailure)
    {
        var target = _target;
        if (target is null || target.IsDisposed)
        {
            // A player the app disposed while attached can never play again: not a start that failed, so it is neither
            // tried again nor reported at every later change.
            return;
        }

        if (IsVisible)
        {
            if (_wantsPlayback && (_startPending || _suspended))
            {
                _startPending = false;
                _suspended = false;
                try
                {
                    target.Play();
                }
                catch (ObjectDisposedException) when (target.IsDisposed)
                {
                    // Disposed on another thread since the check above: left alone, as above.
                }
                catch (Exception e)
                {
                    // The player did not start (a display link that failed to start leaves it paused): it is tried again
                    // at the next change.
                    _startPending = true;
                    if (!reportFailure)
                    {
                        throw;
                    }

                    StartFailed?.Invoke(this, new PlaybackStartFailedEventArgs(e));
                }
            }
        }
        else if (target.IsPlaying)
        {
            // Remember that we, not the app or the end of the animation, stopped it: only that pause is undone later.
            _suspended = true;
            PauseReportingFailure(target);
        }
    }

    // A pause set off by attaching or a visibility input, from a toolkit's callback: a failure (the player's display link
    // failed to stop, after the player paused) goes to PauseFailed instead of the toolkit.
    private void PauseReportingFailure(IPlaybackTarget target)
    {
        try
        {
            target.Pause();
        }
#pragma warning disable CA1031 // Reported to the app through PauseFailed: thrown here it would reach the UI toolkit.
        catch (Exception e)
#pragma warning restore CA1031
        {
            PauseFailed?.Invoke(this, new PlaybackPauseFailedEventArgs(e));
        }
    }
}
