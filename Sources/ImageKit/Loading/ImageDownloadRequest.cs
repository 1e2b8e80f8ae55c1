namespace ImageKit.Loading;

/// <summary>
/// What to download. Requests are immutable; concurrent requests with the same URL, <see cref="Headers"/> and validators
/// (<see cref="IfNoneMatch"/>, <see cref="IfModifiedSince"/>) share one HTTP request.
/// </summary>
/// <param name="Url">The absolute <c>http</c> or <c>https</c> URL of the image.</param>
public sealed record ImageDownloadRequest(Uri Url)
{
    /// <summary>Where the download goes in the queue when every slot is busy.</summary>
    /// <value>Default: <see cref="DownloadPriority.Normal"/>.</value>
    public DownloadPriority Priority { get; init; } = DownloadPriority.Normal;

    /// <summary>
    /// An entity tag from an earlier response (<see cref="ImageDownloadResponse.ETag"/>), sent as <c>If-None-Match</c>;
    /// a <c>304 Not Modified</c> answer then gives <see cref="ImageDownloadResponse.NotModified"/>. A value with anything but
    /// printable ASCII, spaces and tabs fails the download with <see cref="ImageDownloadFailure.InvalidRequest"/>, unsent.
    /// </summary>
    /// <value>Default: <see langword="null"/> (not sent).</value>
    public string? IfNoneMatch { get; init; }

    /// <summary>
    /// A date from an earlier response (<see cref="ImageDownloadResponse.LastModified"/>), sent as <c>If-Modified-Since</c>.
    /// </summary>
    /// <value>Default: <see langword="null"/> (not sent).</value>
    public DateTimeOffset? IfModifiedSince { get; init; }

    /// <summary>
    /// Extra request headers (for example <c>Authorization</c> or <c>Accept</c>). They can change the answer, so they are
    /// part of what makes two requests the same. Headers that apply to every request belong in
    /// <see cref="ImageDownloaderOptions.RequestModifier"/> instead. They are copied when the download is asked for, and
    /// not sent to another origin a redirect leads to. These fail the download with
    /// <see cref="ImageDownloadFailure.InvalidRequest"/>, unsent: a name that is not an HTTP token, a value with anything
    /// but printable ASCII, spaces and tabs, a name given twice in different case, the downloader's own headers
    /// (<c>Range</c>, <c>If-Range</c> and the validators <c>If-None-Match</c>, <c>If-Modified-Since</c>, <c>If-Match</c>,
    /// <c>If-Unmodified-Since</c>: use <see cref="IfNoneMatch"/> and <see cref="IfModifiedSince"/>), the connection's
    /// (<c>Host</c>, <c>Connection</c>, <c>Keep-Alive</c>, <c>TE</c>, <c>Upgrade</c>, <c>Expect</c>,
    /// <c>Transfer-Encoding</c>) and a body's (<c>Content-*</c>, <c>Expires</c>, <c>Last-Modified</c>, <c>Allow</c>).
    /// </summary>
    /// <value>Default: <see langword="null"/> (none).</value>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>
    /// When <see langword="true"/>, progress reports carry the bytes received so far
    /// (<see cref="ImageDownloadProgress.PartialData"/>) for progressive display. It does not change the answer, so a
    /// request with it shares the HTTP request of one without it.
    /// </summary>
    /// <value>Default: <see langword="false"/>.</value>
    public bool ReportPartialData { get; init; }

    /// <summary>
    /// Whether the body will be kept long after the download (a deferred disk store): it is then read into the pinned
    /// object heap, where surviving collections costs no copies; otherwise into an ordinary array that dies young. Not
    /// part of what makes two requests the same.
    /// </summary>
    internal bool KeepsBody { get; init; }
}
