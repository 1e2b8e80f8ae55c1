namespace ImageKit.Views;

/// <summary>
/// A player that a <see cref="PlaybackVisibilityController"/> paused, because its view stopped being visible or it was
/// attached without <see cref="PlaybackVisibilityController.AutoPlay"/>, threw from its <c>Pause</c> (see
/// <see cref="PlaybackVisibilityController.PauseFailed"/>).
/// </summary>
public sealed class PlaybackPauseFailedEventArgs(Exception exception) : EventArgs
{
    /// <summary>What the player's <c>Pause</c> threw: what its display link's backend threw when it failed to stop.</summary>
    public Exception Exception { get; } = exception;
}
