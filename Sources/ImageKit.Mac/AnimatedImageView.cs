using AppKit;
using CoreGraphics;
using Foundation;
using ImageKit.Animation;
using ImageKit.Views;
using ObjCRuntime;

namespace ImageKit.Mac;

/// <summary>
/// A layer-backed AppKit view that plays an <see cref="AnimatedImagePlayer"/>: every frame goes to
/// <c>Layer.Contents</c> as a CGImage that reads the frame's pixels in place, and playback runs only while the view is in
/// a window, not hidden and its window not occluded (<see cref="PlaybackVisibilityController"/>).
/// </summary>
/// <remarks>
/// <para>
/// <b>Ownership.</b> The view owns its <see cref="Player"/>: setting another one, or disposing the view, disposes it. It
/// does not own the player's image unless it loaded it itself (<see cref="ImageViewExtensions"/>' <c>SetImageAsync</c>).
/// </para>
/// <para><b>Threading.</b> Main thread only, like every NSView.</para>
/// </remarks>
[Register("IKAnimatedImageView")]
public partial class AnimatedImageView : NSView
{
    private readonly PlaybackVisibilityController _visibility = new();
    private AnimatedImagePlayer? _player;
    private IDisposable? _ownedImage;
    private ContentMode _contentMode = ContentMode.Fit;

    /// <summary>Creates an empty view with the given frame.</summary>
    public AnimatedImageView(CGRect frame)
        : base(frame)
    {
        Initialize();
    }

    /// <summary>Creates the view from a nib or storyboard.</summary>
    [Export("initWithCoder:")]
    public AnimatedImageView(NSCoder coder)
        : base(coder)
    {
        Initialize();
    }

    /// <summary>Used by the Objective-C runtime; do not call.</summary>
    protected AnimatedImageView(NativeHandle handle)
        : base(handle)
    {
        Initialize();
    }

    /// <summary>
    /// The player shown, or <see langword="null"/>. The view takes ownership: the previous player is disposed.
    /// Its frames are marshalled to the main thread whether or not the player was given a synchronization context.
    /// <value>Default: <see langword="null"/>.</value>
    /// </summary>
    public AnimatedImagePlayer? Player
    {
        get => _player;
        set => SetPlayer(value, ownedImage: null);
    }

    /// <summary>How the image is fitted to the view's bounds. <value>Default: <see cref="ContentMode.Fit"/>.</value></summary>
    public ContentMode ContentMode
    {
        get => _contentMode;
        set
        {
            // The portable mapping gives the string values of the kCAGravity… constants.
            Layer!.ContentsGravity = ContentModeLayout.ToContentsGravity(value);
            _contentMode = value;
        }
    }

    /// <summary>Whether a newly set player starts as soon as the view is visible. <value>Default: <see langword="true"/>.</value></summary>
    public bool AutoPlay
    {
        get => _visibility.AutoPlay;
        set => _visibility.AutoPlay = value;
    }

    /// <summary>
    /// The player did not start when it was set or the view became visible (its display link could not start); it stays
    /// paused and is started again the next time the view becomes visible. Raised on the main thread instead of throwing
    /// into AppKit's callbacks. <see cref="StartAnimating"/> throws such a failure to its caller instead.
    /// </summary>
    public event EventHandler<PlaybackStartFailedEventArgs>? StartFailed;

    /// <summary>
    /// The player did not pause cleanly when the view left its window, was hidden or occluded (its display link failed to
    /// stop; the player is paused all the same, and plays again when the view is visible). Raised on the main thread
    /// instead of throwing into AppKit's callbacks. <see cref="StopAnimating"/> throws such a failure to its caller instead.
    /// </summary>
    public event EventHandler<PlaybackPauseFailedEventArgs>? PauseFailed;

    /// <summary>The view's layer is its own drawing: AppKit must not ask <c>DrawRect</c> for it.</summary>
    public override bool WantsUpdateLayer => true;

    /// <summary>Plays whenever the view is visible (now, if it is).</summary>
    public void StartAnimating() => _visibility.Play();

    /// <summary>Pauses, and stays paused when the view becomes visible again, until <see cref="StartAnimating"/>.</summary>
    public void StopAnimating() => _visibility.Pause();

    /// <summary>Sets the player and, when the view loaded the image itself, the object that owns the image (disposed after the player).</summary>
    internal void SetPlayer(AnimatedImagePlayer? player, IDisposable? ownedImage)
    {
        var oldPlayer = _player;
        var oldImage = _ownedImage;
        if (ReferenceEquals(oldPlayer, player) && player is not null)
        {
            // Setting the player the view already shows changes nothing, ownership included.
            return;
        }

        _visibility.Player = null;
        if (oldPlayer is not null)
        {
            oldPlayer.FrameChanged -= OnFrameChanged;
            oldPlayer.Dispose();
        }

        DropPendingFrame();

        oldImage?.Dispose();
        _player = player;
        _ownedImage = ownedImage;
        ShowFrame(null);
        if (player is not null)
        {
            player.FrameChanged += OnFrameChanged;
            _visibility.Player = player;
            using var first = player.GetCurrentFrame();
            ShowFrame(first);
        }
    }

    private void Initialize()
    {
        _visibility.StartFailed += (_, e) => StartFailed?.Invoke(this, e);
        _visibility.PauseFailed += (_, e) => PauseFailed?.Invoke(this, e);
        WantsLayer = true;
        LayerContentsRedrawPolicy = NSViewLayerContentsRedrawPolicy.Never;
        Layer!.ContentsGravity = ContentModeLayout.ToContentsGravity(_contentMode);
        Layer.MasksToBounds = true;
    }
}
