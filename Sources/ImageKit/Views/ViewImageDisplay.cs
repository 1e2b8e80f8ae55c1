namespace ImageKit.Views;

/// <summary>
/// What <see cref="ViewImageLoader.LoadAsync"/> does to the view at each step of a load: the view-specific half of
/// "set an image from a URL", supplied by view code.
/// </summary>
/// <typeparam name="T">The loaded result, for example an image load result.</typeparam>
/// <remarks>The callbacks run on the thread that called <see cref="ViewImageLoader.LoadAsync"/> (its synchronization context).</remarks>
public sealed class ViewImageDisplay<T>
{
    /// <summary>Shows the placeholder, before the load starts. <value>Default: <see langword="null"/> (the view keeps what it shows).</value></summary>
    public Action? ShowPlaceholder { get; init; }

    /// <summary>
    /// Shows a result that is still wanted; the second argument says whether to cross-fade to it. Takes ownership of the
    /// result. Required.
    /// </summary>
    public required Action<T, bool> ShowResult { get; init; }

    /// <summary>Shows that the load failed (an error image). <value>Default: <see langword="null"/> (the placeholder stays).</value></summary>
    public Action<Exception>? ShowError { get; init; }

    /// <summary>
    /// Whether to cross-fade to a result; <see langword="null"/> never cross-fades. A typical rule fades only results that
    /// did not come from the memory cache. <value>Default: <see langword="null"/>.</value>
    /// </summary>
    public Func<T, bool>? CrossFade { get; init; }
}
