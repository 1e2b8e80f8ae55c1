namespace ImageKit.Views;

/// <summary>
/// A player that a <see cref="PlaybackVisibilityController"/> started, because it was attached or its view became
/// visible, did not start (see <see cref="PlaybackVisibilityController.StartFailed"/>).
/// </summary>
public sealed class PlaybackStartFailedEventArgs(Exception exception) : EventArgs
{
    /// <summary>What the player's <c>Play</c> threw: a <see cref="Display.DisplayLinkException"/> when its display link could not start.</summary>
    public Exception Exception { get; } = exception;
}
