using System.Net;

namespace ImageKit.Loading.Internal;

/// <summary>
/// What one HTTP attempt produced: a finished response, or a status worth retrying (408, 429, 5xx) with the server's
/// <c>Retry-After</c>. Other failures are exceptions.
/// </summary>
internal sealed class AttemptResult
{
    private AttemptResult(ImageDownloadResponse? response, HttpStatusCode statusCode, string? reasonPhrase, TimeSpan? retryAfter)
    {
        Response = response;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        RetryAfter = retryAfter;
    }

    public ImageDownloadResponse? Response { get; }

    public HttpStatusCode StatusCode { get; }

    public string? ReasonPhrase { get; }

    public TimeSpan? RetryAfter { get; }

    public bool IsTransientStatus => Response is null;

    public static AttemptResult Success(ImageDownloadResponse response) => new(response, response.StatusCode, null, null);

    public static AttemptResult TransientStatus(HttpStatusCode statusCode, string? reasonPhrase, TimeSpan? retryAfter) =>
        new(null, statusCode, reasonPhrase, retryAfter);

    /// <summary>408, 429 and 5xx except 501 Not Implemented and 505 HTTP Version Not Supported, which will not change.</summary>
    public static bool IsTransient(HttpStatusCode statusCode) => (int)statusCode switch
    {
        408 or 429 => true,
        501 or 505 => false,
        >= 500 and <= 599 => true,
        _ => false,
    };
}
