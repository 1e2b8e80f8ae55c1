using AppKit;
using CoreGraphics;
using ImageKit.Animation;
using ImageKit.Mac.Internal;
using ImageKit.Views;

namespace ImageKit.Mac;

/// <summary>
/// <c>SetImageAsync</c> for AppKit views: show a placeholder, load through <see cref="ImageManager.Shared"/> (memory,
/// disk, network), then show the image — unless the view has started another load meanwhile (a reused table cell), in
/// which case the old result is discarded and never shown.
/// </summary>
/// <remarks>
/// <b>Threading.</b> Call on the main thread. The returned task completes on the main thread and does not throw for a
/// failed or cancelled load: its <see cref="ViewLoadResult"/> says what happened. A failed load keeps the placeholder.
/// Each call cancels the view's previous load (<see cref="ViewLoadTracker.Shared"/>).
/// </remarks>
public static class ImageViewExtensions
{
    /// <summary>Loads <paramref name="url"/> and shows its first frame in <paramref name="view"/>.</summary>
    /// <param name="view">The image view.</param>
    /// <param name="url">The image's address.</param>
    /// <param name="placeholder">Shown while loading and kept on failure; <see langword="null"/> clears the view. <value>Default: <see langword="null"/>.</value></param>
    /// <param name="options">Load options; <see langword="null"/> for the manager's defaults.</param>
    /// <param name="progress">Receives download progress; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the load; the view then keeps the placeholder (none is shown when the token is cancelled already).</param>
    /// <exception cref="ArgumentNullException"><paramref name="view"/> or <paramref name="url"/> is <see langword="null"/>.</exception>
    public static Task<ViewLoadResult> SetImageAsync(
        this NSImageView view,
        Uri url,
        NSImage? placeholder = null,
        ImageLoadOptions? options = null,
        IProgress<ImageLoadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(url);
        return ViewImageLoader.LoadAsync(
            ViewLoadTracker.Shared,
            view,
            token => ImageManager.Shared.LoadImageAsync(url, options, progress, token),
            new ViewImageDisplay<NSImageView, ImageLoadResult>
            {
                // The view comes as an argument, never captured: a view dropped while its image loads can be collected.
                ShowPlaceholder = v => v.Image = placeholder,
                ShowResult = static (v, result, _) => v.Image = FirstFrameImage(result),
            },
            cancellationToken);
    }

    /// <summary>Loads <paramref name="url"/> and plays it in <paramref name="view"/>, which then owns the player and the image.</summary>
    /// <param name="view">The animated image view.</param>
    /// <param name="url">The image's address.</param>
    /// <param name="placeholder">Shown (as a still) while loading and kept on failure; <see langword="null"/> clears the view. <value>Default: <see langword="null"/>.</value></param>
    /// <param name="options">Load options; <see langword="null"/> for the manager's defaults.</param>
    /// <param name="progress">Receives download progress; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the load; the view then keeps the placeholder (none is shown when the token is cancelled already).</param>
    /// <exception cref="ArgumentNullException"><paramref name="view"/> or <paramref name="url"/> is <see langword="null"/>.</exception>
    public static Task<ViewLoadResult> SetImageAsync(
        this AnimatedImageView view,
        Uri url,
        NSImage? placeholder = null,
        ImageLoadOptions? options = null,
        IProgress<ImageLoadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(url);
        return ViewImageLoader.LoadAsync(
            ViewLoadTracker.Shared,
            view,
            token => ImageManager.Shared.LoadImageAsync(url, options, progress, token),
            new ViewImageDisplay<AnimatedImageView, ImageLoadResult>
            {
                ShowPlaceholder = v => ShowPlaceholder(v, placeholder),
                ShowResult = static (v, result, _) => ShowAnimated(v, result),
            },
            cancellationToken);
    }

    private static NSImage FirstFrameImage(ImageLoadResult result)
    {
        // The CGImage holds its own lease on the pixels, so the result (and its decoded image) can go at once.
        using (result)
        {
            using var frame = result.Image.GetFrame(0);
            using var cgImage = FrameImages.Create(frame);
            return new NSImage(cgImage, new CGSize(frame.Width, frame.Height));
        }
    }

    private static void ShowPlaceholder(AnimatedImageView view, NSImage? placeholder)
    {
        view.SetPlayer(null, ownedImage: null);

        view.Layer!.Contents = placeholder?.CGImage;
    }

    private static void ShowAnimated(AnimatedImageView view, ImageLoadResult result)
    {
        AnimatedImagePlayer player;
        try
        {
            // Frames arrive on the main thread, at most one pending at a time (the player coalesces posts).
            player = new AnimatedImagePlayer(result.Image, new AnimatedImagePlayerOptions { SynchronizationContext = SynchronizationContext.Current });
        }
        catch
        {
            result.Dispose();
            throw;
        }

        view.SetPlayer(player, ownedImage: result);
    }
}
