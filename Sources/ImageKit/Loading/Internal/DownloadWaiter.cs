namespace ImageKit.Loading.Internal;

/// <summary>One caller of <see cref="ImageDownloader.DownloadAsync"/> attached to a <see cref="SharedDownload"/>.</summary>
internal sealed class DownloadWaiter(IProgress<ImageDownloadProgress>? progress, bool wantsPartialData, DownloadPriority priority)
{
    public IProgress<ImageDownloadProgress>? Progress { get; } = progress;

    public bool WantsPartialData { get; } = wantsPartialData;

    public DownloadPriority Priority { get; } = priority;
}
