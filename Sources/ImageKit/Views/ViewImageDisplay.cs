namespace ImageKit.Views;

/// <summary>
/// What <see cref="ViewImageLoader.LoadAsync"/> does to the view at each step of a load: the view-specific half of
/// "set an image from a URL", supplied by view code.
/// </summary>
/// <typeparam name="TView">The view type.</typeparam>
/// <typeparam name="T">The loaded result, for example an image load result.</typeparam>
/// <remarks>
/// <para>
/// Every callback is handed the view, so it need not capture it: a display whose callbacks capture nothing of the view
/// (a <see langword="static"/> lambda, or one capturing only the placeholder) lets a view dropped while its image loads be
/// collected, and one instance can serve every view of a type. A callback that captures the view keeps it alive until
/// the load ends.
/// </para>
/// <para>The callbacks run on the thread that called <see cref="ViewImageLoader.LoadAsync"/> (its synchronization context).</para>
/// </remarks>
public sealed class ViewImageDisplay<TView, T>
    where TView : class
{
    /// <summary>Shows the placeholder in the view, before the load starts. <value>Default: <see langword="null"/> (the view keeps what it shows).</value></summary>
    public Action<TView>? ShowPlaceholder { get; init; }

    /// <summary>
    /// Shows a result that is still wanted in the view; the last argument says whether to cross-fade to it. Takes
    /// ownership of the result. Required.
    /// </summary>
    public required Action<TView, T, bool> ShowResult { get; init; }

    /// <summary>Shows in the view that the load failed (an error image). <value>Default: <see langword="null"/> (the placeholder stays).</value></summary>
    public Action<TView, Exception>? ShowError { get; init; }

    /// <summary>
    /// Whether to cross-fade to a result; <see langword="null"/> never cross-fades. A typical rule fades only results that
    /// did not come from the memory cache. <value>Default: <see langword="null"/>.</value>
    /// </summary>
    public Func<T, bool>? CrossFade { get; init; }
}
