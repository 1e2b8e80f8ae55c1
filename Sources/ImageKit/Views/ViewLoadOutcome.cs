namespace ImageKit.Views;

/// <summary>How a <see cref="ViewImageLoader.LoadAsync"/> call ended.</summary>
public enum ViewLoadOutcome
{
    /// <summary>The result was shown.</summary>
    Shown,

    /// <summary>The load failed and the failure was shown (or the placeholder kept).</summary>
    Failed,

    /// <summary>A newer load began for the view before this one ended: nothing was shown, the result was discarded.</summary>
    Stale,

    /// <summary>
    /// The load was cancelled (by the caller, a newer load, <see cref="ViewLoadTracker.Cancel"/> or the load itself, as a
    /// disposed <see cref="ImageManager"/> cancels its loads): nothing was shown.
    /// </summary>
    Cancelled,
}
