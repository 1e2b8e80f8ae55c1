namespace ImageKit.Loading;

/// <summary>What <see cref="ImageManager"/> asks an <see cref="IImageLoader"/> for.</summary>
/// <param name="Url">The URL to load.</param>
public sealed record ImageLoaderRequest(Uri Url)
{
    /// <summary>The queue priority, for loaders that queue. <value>Default: <see cref="DownloadPriority.Normal"/>.</value></summary>
    public DownloadPriority Priority { get; init; } = DownloadPriority.Normal;

    /// <summary>Extra request headers the load asked for (<see cref="ImageLoadOptions.Headers"/>); loaders without headers ignore them.</summary>
    /// <value>Default: <see langword="null"/> (none).</value>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The cached entity tag to revalidate against, if any.</summary>
    public string? IfNoneMatch { get; init; }

    /// <summary>The cached Last-Modified date to revalidate against, if any.</summary>
    public DateTimeOffset? IfModifiedSince { get; init; }

    /// <summary>
    /// Whether progress reports should carry the bytes received so far (<see cref="ImageLoadProgress.PartialData"/>),
    /// for progressive previews. Loaders that cannot provide them ignore it.
    /// </summary>
    /// <value>Default: <see langword="false"/>.</value>
    public bool ReportPartialData { get; init; }

    /// <summary>
    /// Whether the manager keeps the loaded bytes after the load returns (for a disk store that runs later): a hint for
    /// where the body is allocated. Loaders may ignore it.
    /// </summary>
    internal bool KeepsBody { get; init; }
}
