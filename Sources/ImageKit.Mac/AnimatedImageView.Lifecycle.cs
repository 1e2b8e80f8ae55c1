using AppKit;
using CoreAnimation;
using Foundation;
using ImageKit.Animation;
using ImageKit.Decoding;
using ImageKit.Mac.Internal;
using ImageKit.Views;

namespace ImageKit.Mac;

public partial class AnimatedImageView
{
    // Not bound as a field by Microsoft.macOS (as of the .NET 10 bindings); AppKit's value is the constant's own name.
    private static readonly NSString s_didChangeOcclusionState = new("NSWindowDidChangeOcclusionStateNotification");
    private static readonly NSString s_willClose = new("NSWindowWillCloseNotification");

    private NSObject? _occlusionObserver;
    private NSObject? _closeObserver;
    private PendingFrame? _pendingFrame;
    private int _framePosted;

    /// <inheritdoc/>
    public override void ViewDidMoveToWindow()
    {
        base.ViewDidMoveToWindow();
        ObserveOcclusion(Window);
        _visibility.IsHidden = IsHiddenOrHasHiddenAncestor;
        _visibility.IsInWindow = Window is not null;
    }

    /// <inheritdoc/>
    public override void ViewDidHide()
    {
        base.ViewDidHide();
        _visibility.IsHidden = true;
    }

    /// <inheritdoc/>
    public override void ViewDidUnhide()
    {
        base.ViewDidUnhide();
        _visibility.IsHidden = IsHiddenOrHasHiddenAncestor;
    }

    /// <summary>Disposes the player (and the image, when the view loaded it) and stops observing the window.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ViewLoadTracker.Shared.Cancel(this);
            ObserveOcclusion(null);
            SetPlayer(null, ownedImage: null);
            DropPendingFrame();
        }

        base.Dispose(disposing);
    }

    private void ObserveOcclusion(NSWindow? window)
    {
        foreach (var observer in new[] { _occlusionObserver, _closeObserver })
        {
            if (observer is not null)
            {
                NSNotificationCenter.DefaultCenter.RemoveObserver(observer);
            }
        }

        _occlusionObserver = null;
        _closeObserver = null;
        if (window is null)
        {
            _visibility.IsOccluded = false;
            return;
        }

        // The bindings keep every block observer, and the object it was registered for, in a managed list on the default
        // center, which lives as long as the process. So the handlers hold neither the window nor the view (its player,
        // image and layer): registered for any sender, they hold a weak reference and the window's handle. A window that
        // closes without the view being removed or disposed first stops the observation on its way out.
        var view = new WeakReference<AnimatedImageView>(this);
        var windowHandle = window.Handle;
        _occlusionObserver = NSNotificationCenter.DefaultCenter.AddObserver(
            s_didChangeOcclusionState,
            notification =>
            {
                if (view.TryGetTarget(out var target) && target.Window is { } current && current.Handle == windowHandle && notification.Object?.Handle == windowHandle)
                {
                    target.UpdateOcclusion(current);
                }
            },
            null);
        _closeObserver = NSNotificationCenter.DefaultCenter.AddObserver(
            s_willClose,
            notification =>
            {
                if (notification.Object?.Handle == windowHandle && view.TryGetTarget(out var target))
                {
                    target.ObserveOcclusion(null);
                }
            },
            null);
        UpdateOcclusion(window);
    }

    private void UpdateOcclusion(NSWindow window) =>
        _visibility.IsOccluded = (window.OcclusionState & NSWindowOcclusionState.Visible) == 0;

    private void OnFrameChanged(object? sender, FrameChangedEventArgs e)
    {
        if (sender is not AnimatedImagePlayer player || !ReferenceEquals(player, _player))
        {
            return;
        }

        if (NSThread.IsMain)
        {
            ShowFrame(e.Frame);
            return;
        }

        // A player without the main-thread context raises on the display-link thread, and its frame is valid only during
        // the handler: keep a share, and post at most one update at a time (the latest frame wins). The frame keeps the
        // player it came from: the view may be given another image before the post runs (a memory hit, on the main
        // thread), and the old image's frame must not then be shown over the new one.
        Interlocked.Exchange(ref _pendingFrame, new PendingFrame(player, e.Frame.Share()))?.Frame.Dispose();
        if (Interlocked.Exchange(ref _framePosted, 1) == 0)
        {
            BeginInvokeOnMainThread(ShowPendingFrame);
        }
    }

    private void ShowPendingFrame()
    {
        Volatile.Write(ref _framePosted, 0);
        if (Interlocked.Exchange(ref _pendingFrame, null) is not { } pending)
        {
            return;
        }

        using (pending.Frame)
        {
            if (ReferenceEquals(pending.Player, _player))
            {
                ShowFrame(pending.Frame);
            }
        }
    }

    // The frame a post waits to show, with its pixels: released at once when the view changes player or is disposed.
    private void DropPendingFrame() => Interlocked.Exchange(ref _pendingFrame, null)?.Frame.Dispose();

    private sealed record PendingFrame(AnimatedImagePlayer Player, ImageFrame Frame);

    private void ShowFrame(ImageFrame? frame)
    {
        using var image = frame is null ? null : FrameImages.Create(frame);

        // No implicit cross-fade between frames: contents changes are animated by default on standalone layers.
        CATransaction.Begin();
        CATransaction.DisableActions = true;
        Layer!.Contents = image;
        CATransaction.Commit();
    }
}
