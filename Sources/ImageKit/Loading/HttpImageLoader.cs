namespace ImageKit.Loading;

/// <summary>Loads <c>http</c> and <c>https</c> URLs through an <see cref="ImageDownloader"/> (queue, coalescing, retries).</summary>
/// <param name="downloader">The downloader; the loader does not own it.</param>
public sealed class HttpImageLoader(ImageDownloader downloader) : IImageLoader
{
    /// <summary>The downloader requests go through.</summary>
    public ImageDownloader Downloader { get; } = downloader ?? throw new ArgumentNullException(nameof(downloader));

    /// <inheritdoc/>
    public bool CanLoad(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);
    }

    /// <inheritdoc/>
    public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var download = new ImageDownloadRequest(request.Url)
        {
            Priority = request.Priority,
            Headers = request.Headers,
            IfNoneMatch = request.IfNoneMatch,
            IfModifiedSince = request.IfModifiedSince,
            ReportPartialData = request.ReportPartialData && progress is not null,
            KeepsBody = request.KeepsBody,
        };
        var relay = progress is null ? null : new Progress(progress);
        var response = await Downloader.DownloadAsync(download, relay, cancellationToken).ConfigureAwait(false);
        return new ImageLoaderResponse(response.FinalUrl, response.NotModified ? ReadOnlyMemory<byte>.Empty : response.Data)
        {
            NotModified = response.NotModified,
            StoreOnDisk = !response.NoStore,
            ContentType = response.ContentType,
            ETag = response.ETag,
            LastModified = response.LastModified,
            DataIsPinned = response.DataIsPinned && !response.NotModified,
        };
    }

    // Forwards synchronously: the caller's IProgress decides where its handler runs.
    private sealed class Progress(IProgress<ImageLoadProgress> target) : IProgress<ImageDownloadProgress>
    {
        public void Report(ImageDownloadProgress value) =>
            target.Report(new ImageLoadProgress(value.BytesReceived, value.BytesExpected) { PartialData = value.PartialData });
    }
}
