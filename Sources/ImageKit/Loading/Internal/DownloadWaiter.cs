namespace ImageKit.Loading.Internal;

/// <summary>One caller of <see cref="ImageDownloader.DownloadAsync"/> attached to a <see cref="SharedDownload"/>.</summary>
internal sealed class DownloadWaiter(IProgress<ImageDownloadProgress>? progress, bool wantsPartialData, DownloadPriority priority)
{
    private volatile bool _ended;

    public IProgress<ImageDownloadProgress>? Progress { get; } = progress;

    public bool WantsPartialData { get; } = wantsPartialData;

    public DownloadPriority Priority { get; } = priority;

    /// <summary>The place of the prefetch the caller loads for (<see cref="PrefetchSlot.Current"/> on its flow), if any.</summary>
    public PrefetchSlot? PrefetchSlot { get; } = PrefetchSlot.Current;

    /// <summary>Whether the caller's wait has ended (a result, a failure, its cancellation, disposal): no report may start for it then.</summary>
    public bool HasEnded => _ended;

    /// <summary>
    /// Marks the caller's wait as ended, before its <see cref="ImageDownloader.DownloadAsync"/> call completes: a report the
    /// download is delivering to the other callers at that moment, or any later one, is not passed to it.
    /// </summary>
    public void End() => _ended = true;
}
