namespace ImageKit.Loading;

/// <summary>How far a download has come. Reported on the thread that reads the response; receivers must be quick.</summary>
/// <param name="BytesReceived">Body bytes received so far by the current attempt (a retried attempt starts again at 0, or at the bytes kept from a cut-off response it continues: see <see cref="ImageDownloadResponse.ResumedBytes"/>).</param>
/// <param name="BytesExpected">The whole body's length (from <c>Content-Length</c>, or <c>Content-Range</c> when the rest of a cut-off body is coming), or <see langword="null"/> when the server did not say.</param>
public sealed record ImageDownloadProgress(long BytesReceived, long? BytesExpected)
{
    /// <summary>
    /// The body bytes received so far, only when the request asked for them
    /// (<see cref="ImageDownloadRequest.ReportPartialData"/>); otherwise empty. It is a snapshot the receiver may keep:
    /// the downloader never writes to these bytes again.
    /// </summary>
    /// <value>Default: empty.</value>
    public ReadOnlyMemory<byte> PartialData { get; init; }
}
