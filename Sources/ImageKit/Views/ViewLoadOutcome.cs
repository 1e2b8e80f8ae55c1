namespace ImageKit.Views;

/// <summary>How a <see cref="ViewImageLoader.LoadAsync"/> call ended.</summary>
public enum ViewLoadOutcome
{
    /// <summary>The result was shown.</summary>
    Shown,

    /// <summary>The load failed and the failure was shown (or the placeholder kept).</summary>
    Failed,

    /// <summary>
    /// The load got its result but was no longer the view's own when it did: a newer load had begun for the view, the load
    /// had been cancelled (by the caller or <see cref="ViewLoadTracker.Cancel"/>) just as its result arrived, or the view
    /// had been collected. Nothing was shown; the result was disposed.
    /// </summary>
    Stale,

    /// <summary>
    /// The load was cancelled (by the caller, a newer load, <see cref="ViewLoadTracker.Cancel"/> or the load itself, as a
    /// disposed <see cref="ImageManager"/> cancels its loads): nothing was shown.
    /// </summary>
    Cancelled,
}
