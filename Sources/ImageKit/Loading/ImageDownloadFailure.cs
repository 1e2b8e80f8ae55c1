namespace ImageKit.Loading;

/// <summary>Why a download failed (<see cref="ImageDownloadException.Failure"/>).</summary>
public enum ImageDownloadFailure
{
    /// <summary>The server answered with a status code that is not accepted (<see cref="ImageDownloaderOptions.AcceptStatusCode"/>).</summary>
    HttpStatus = 0,

    /// <summary>
    /// The last attempt took longer than <see cref="ImageDownloaderOptions.AttemptTimeout"/> (or than an
    /// application-supplied <see cref="HttpClient.Timeout"/>); the message says whether every attempt did.
    /// </summary>
    Timeout,

    /// <summary>
    /// The connection failed (refused, reset, closed early, DNS or TLS errors), or the response could not be read: a
    /// malformed status line or headers, or a compressed body (<c>Content-Encoding</c>) that does not decompress.
    /// </summary>
    Network,

    /// <summary>The body is larger than <see cref="ImageDownloaderOptions.MaxResponseBytes"/>.</summary>
    TooLarge,

    /// <summary>The body is not an image ImageKit recognises (<see cref="ImageDownloaderOptions.RequireImageContent"/>).</summary>
    NotAnImage,

    /// <summary>The per-host circuit breaker is open after repeated failures; no request was sent.</summary>
    CircuitOpen,

    /// <summary>More redirects than <see cref="ImageDownloaderOptions.MaxRedirects"/>, or a redirect that was not followed.</summary>
    TooManyRedirects,

    /// <summary>The body ended before the length the server declared in <c>Content-Length</c>.</summary>
    Truncated,

    /// <summary>The request could not be sent as given (for example a header .NET refuses).</summary>
    InvalidRequest,
}
