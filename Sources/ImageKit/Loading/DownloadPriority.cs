namespace ImageKit.Loading;

/// <summary>
/// Where a queued download goes when every download slot is busy: a queued <see cref="High"/> download starts before any
/// queued <see cref="Normal"/> one, which starts before any queued <see cref="Low"/> one.
/// </summary>
public enum DownloadPriority
{
    /// <summary>Starts only when no higher-priority download is waiting (prefetching, off-screen images).</summary>
    Low = 0,

    /// <summary>The default.</summary>
    Normal = 1,

    /// <summary>Starts before every other queued download (the image the user is looking at).</summary>
    High = 2,
}
