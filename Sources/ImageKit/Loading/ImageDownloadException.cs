using System.Net;

namespace ImageKit.Loading;

/// <summary>
/// A download failed. <see cref="ImageKitException.SourceName"/> is the URL, <see cref="Failure"/> the kind of failure and
/// the message says why in one sentence (status code, timeout after N attempts, circuit open for a host, body too large,
/// what a non-image body looks like…).
/// </summary>
public class ImageDownloadException : ImageKitException
{
    /// <summary>Creates an exception for a download of <paramref name="url"/>.</summary>
    /// <param name="url">The URL that was downloaded.</param>
    /// <param name="failure">The kind of failure.</param>
    /// <param name="reason">Why it failed, in one sentence.</param>
    /// <param name="statusCode">The status code of the last response, if there was one.</param>
    /// <param name="attempts">How many HTTP attempts were made (0 when none was sent).</param>
    /// <param name="innerException">The error that caused this one, if any.</param>
    public ImageDownloadException(Uri url, ImageDownloadFailure failure, string reason, HttpStatusCode? statusCode = null, int attempts = 0, Exception? innerException = null)
        : base(url is null ? null : ImageKit.Internal.UrlText.Describe(url), reason, innerException)
    {
        Failure = failure;
        StatusCode = statusCode;
        Attempts = attempts;
    }

    /// <summary>Creates an exception with a message.</summary>
    public ImageDownloadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public ImageDownloadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with no message.</summary>
    public ImageDownloadException()
    {
    }

    /// <summary>The kind of failure.</summary>
    public ImageDownloadFailure Failure { get; }

    /// <summary>The status code of the last response, or <see langword="null"/> when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>
    /// How many HTTP attempts were made, retries included; 0 when none was sent (an open circuit, a header that may not
    /// be sent).
    /// </summary>
    public int Attempts { get; internal set; }
}
