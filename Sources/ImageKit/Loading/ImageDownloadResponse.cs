using System.Net;
using ImageKit.Decoding;

namespace ImageKit.Loading;

/// <summary>
/// A completed download: the encoded bytes, not decoded. Immutable; requests that shared one HTTP request receive the same
/// instance.
/// </summary>
public sealed class ImageDownloadResponse
{
    internal ImageDownloadResponse(
        Uri requestUrl,
        Uri finalUrl,
        HttpStatusCode statusCode,
        ReadOnlyMemory<byte> data,
        string? contentType,
        ImageFormat sniffedFormat,
        string? eTag,
        DateTimeOffset? lastModified)
    {
        RequestUrl = requestUrl;
        FinalUrl = finalUrl;
        StatusCode = statusCode;
        Data = data;
        ContentType = contentType;
        SniffedFormat = sniffedFormat;
        ETag = eTag;
        LastModified = lastModified;
    }

    /// <summary>The URL that was asked for.</summary>
    public Uri RequestUrl { get; }

    /// <summary>The URL that answered, after redirects; the same as <see cref="RequestUrl"/> when there were none.</summary>
    public Uri FinalUrl { get; }

    /// <summary>
    /// The status code of the final response: <c>206 Partial Content</c> when it carried the rest of a body that was cut off
    /// before (<see cref="ResumedBytes"/>); <see cref="Data"/> is the whole body either way.
    /// </summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>
    /// The HTTP version the final response came over: 2.0 where the server and
    /// <see cref="ImageDownloaderOptions.MaxHttpVersion"/> (or an application-supplied client's default) allowed HTTP/2,
    /// otherwise 1.1 (or 1.0).
    /// </summary>
    public Version HttpVersion { get; internal init; } = System.Net.HttpVersion.Version11;

    /// <summary>
    /// <see langword="true"/> when the server answered <c>304 Not Modified</c> to the validators of the request: the copy
    /// the caller already has is current, and <see cref="Data"/> is empty.
    /// </summary>
    public bool NotModified => StatusCode == HttpStatusCode.NotModified;

    /// <summary>The encoded body, complete (never truncated); empty when <see cref="NotModified"/>.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The <c>Content-Type</c> header as sent, which may be wrong; <see cref="SniffedFormat"/> is what the bytes are.</summary>
    public string? ContentType { get; }

    /// <summary>The format recognised from the bytes (<see cref="ImageFormatDetector.Detect"/>); <see cref="ImageFormat.Unknown"/> when <see cref="NotModified"/>.</summary>
    public ImageFormat SniffedFormat { get; }

    /// <summary>The <c>ETag</c> header, quotes included, to send back as <see cref="ImageDownloadRequest.IfNoneMatch"/>.</summary>
    public string? ETag { get; }

    /// <summary>The <c>Last-Modified</c> header, to send back as <see cref="ImageDownloadRequest.IfModifiedSince"/>.</summary>
    public DateTimeOffset? LastModified { get; }

    /// <summary>
    /// Whether the response said <c>Cache-Control: no-store</c>: its bytes are not to be written to persistent storage.
    /// <see cref="HttpImageLoader"/> passes this on, and <see cref="ImageManager"/> then keeps the image in memory only.
    /// </summary>
    public bool NoStore { get; internal init; }

    /// <summary>
    /// How many bytes at the start of <see cref="Data"/> were kept from an earlier response that was cut off (a failed
    /// attempt, a cancelled download; see <see cref="ImageDownloaderOptions.MaxResumableBytes"/>) and not downloaded
    /// again; 0 when the body came whole.
    /// </summary>
    public long ResumedBytes { get; internal init; }

    /// <summary>
    /// Whether <see cref="Data"/> lies in an array on the pinned object heap that nothing writes to again, so that a
    /// decoded image can keep it as its encoded data without copying it.
    /// </summary>
    internal bool DataIsPinned { get; init; }

    /// <summary>How many HTTP attempts it took, 1 when the first one succeeded.</summary>
    public int Attempts { get; internal set; }
}
