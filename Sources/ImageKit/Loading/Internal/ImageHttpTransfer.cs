using System.Net;
using System.Net.Http.Headers;
using ImageKit.Decoding;

namespace ImageKit.Loading.Internal;

/// <summary>
/// One HTTP attempt: builds the request, sends it, follows redirects (when <paramref name="followsRedirects"/>: the
/// handler ImageKit configured leaves them to this class, which checks every hop), validates the final response and
/// reads the body.
/// </summary>
internal sealed class ImageHttpTransfer(HttpClient client, ImageDownloaderOptions options, bool followsRedirects)
{
    private const string DefaultAccept = "image/webp,image/apng,image/png,image/gif,image/jpeg,image/*;q=0.8,*/*;q=0.5";

    public async Task<AttemptResult> SendAsync(SharedDownload download, CancellationToken cancellationToken)
    {
        try
        {
            return await SendCoreAsync(download, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Nobody here cancelled: an application-supplied HttpClient's own Timeout expired. Reported as a timeout, not
            // as a cancellation the caller never asked for.
            throw new TransientDownloadException(ImageDownloadFailure.Timeout, $"the HttpClient's own Timeout ({ImageDownloader.FormatDuration(client.Timeout)}) expired", ex);
        }
    }

    private async Task<AttemptResult> SendCoreAsync(SharedDownload download, CancellationToken cancellationToken)
    {
        var request = download.Request;
        var url = request.Url;
        for (var redirects = 0; ; redirects++)
        {
            var response = await SendOneAsync(request, url, redirected: redirects > 0, cancellationToken).ConfigureAwait(false);

            // Disposing a response whose body was not read to the end aborts the connection, which is what an over-limit or
            // rejected body needs.
            using (response)
            {
                if (followsRedirects && NextHop(request.Url, url, response) is { } next)
                {
                    if (redirects == options.MaxRedirects)
                    {
                        throw new ImageDownloadException(request.Url, ImageDownloadFailure.TooManyRedirects, $"too many redirects: more than MaxRedirects ({options.MaxRedirects}) followed; the last response (HTTP {(int)response.StatusCode}) pointed to {next}", response.StatusCode);
                    }

                    url = next;
                    continue;
                }

                return await ReadResponseAsync(download, response, url, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<HttpResponseMessage> SendOneAsync(ImageDownloadRequest request, Uri url, bool redirected, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(request, url, redirected);
        if (options.RequestModifier is { } modifier)
        {
            await modifier(message, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (UriFormatException ex)
        {
            // An application-supplied client that follows redirects itself fails this way on a Location it cannot parse
            // as an http URL (file:///…). Not retried: the server will send the same Location again.
            throw new ImageDownloadException(request.Url, ImageDownloadFailure.TooManyRedirects, $"the HttpClient could not follow a redirect: {ex.Message}", innerException: ex);
        }
    }

    /// <summary>
    /// Where a redirect response sends the download next, or <see langword="null"/> when <paramref name="response"/> is
    /// not one. Only http and https targets are followed, and never from https down to http.
    /// </summary>
    private static Uri? NextHop(Uri requestUrl, Uri url, HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
                or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect or HttpStatusCode.MultipleChoices)
            || response.Headers.Location is not { } location)
        {
            return null;
        }

        var code = (int)response.StatusCode;
        if (!Uri.TryCreate(url, location, out var next))
        {
            throw new ImageDownloadException(requestUrl, ImageDownloadFailure.TooManyRedirects, $"HTTP {code} redirect to '{location}' was refused: not a valid URL", response.StatusCode);
        }

        if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
        {
            throw new ImageDownloadException(requestUrl, ImageDownloadFailure.TooManyRedirects, $"HTTP {code} redirect to {next} was refused: only http and https URLs are followed", response.StatusCode);
        }

        if (url.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp)
        {
            throw new ImageDownloadException(requestUrl, ImageDownloadFailure.TooManyRedirects, $"HTTP {code} redirect to {next} was refused: it leaves https for plain http", response.StatusCode);
        }

        return next;
    }

    private async Task<AttemptResult> ReadResponseAsync(SharedDownload download, HttpResponseMessage response, Uri finalUrl, CancellationToken cancellationToken)
    {
        var request = download.Request;
        var validatorsSent = request.IfNoneMatch is not null || request.IfModifiedSince is not null;
        if (validatorsSent && response.StatusCode == HttpStatusCode.NotModified)
        {
            return AttemptResult.Success(new ImageDownloadResponse(
                request.Url, finalUrl, response.StatusCode, ReadOnlyMemory<byte>.Empty, response.Content.Headers.ContentType?.ToString(), ImageFormat.Unknown, response.Headers.ETag?.ToString(), response.Content.Headers.LastModified));
        }

        var accepted = options.AcceptStatusCode?.Invoke(response) ?? response.IsSuccessStatusCode;
        if (!accepted)
        {
            return Reject(request.Url, response);
        }

        var contentLength = response.Content.Headers.ContentLength;
        if (contentLength > options.MaxResponseBytes)
        {
            throw new ImageDownloadException(request.Url, ImageDownloadFailure.TooLarge, $"the body is {contentLength} bytes (Content-Length), more than MaxResponseBytes ({options.MaxResponseBytes} bytes); it was not downloaded", response.StatusCode);
        }

        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        ReadOnlyMemory<byte> data;
        await using (body.ConfigureAwait(false))
        {
            data = await ResponseBodyReader.ReadAsync(body, contentLength, options.MaxResponseBytes, request.Url, download, request.KeepsBody, cancellationToken).ConfigureAwait(false);
        }

        var contentType = response.Content.Headers.ContentType?.ToString();
        var format = ImageFormatDetector.Detect(data.Span);
        if (format == ImageFormat.Unknown && options.RequireImageContent)
        {
            var declared = contentType is null ? "no Content-Type" : $"Content-Type {contentType}";
            throw new ImageDownloadException(request.Url, ImageDownloadFailure.NotAnImage, $"the body is {ImageFormatDetector.DescribeUnrecognized(data.Span)} ({declared}, {data.Length} bytes)", response.StatusCode);
        }

        // An application-supplied client may have followed redirects itself: its request message knows where it ended.
        var answeredAt = followsRedirects ? finalUrl : response.RequestMessage?.RequestUri ?? finalUrl;
        return AttemptResult.Success(new ImageDownloadResponse(
            request.Url, answeredAt, response.StatusCode, data, contentType, format, response.Headers.ETag?.ToString(), response.Content.Headers.LastModified)
        {
            NoStore = response.Headers.CacheControl?.NoStore == true,
        });
    }

    private HttpRequestMessage CreateMessage(ImageDownloadRequest request, Uri url, bool redirected)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, url);
        try
        {
            // Credentials the request carries go to its own origin only, not to wherever a redirect points.
            var crossOrigin = redirected && Uri.Compare(url, request.Url, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0;
            if (request.Headers is { } headers)
            {
                foreach (var (name, value) in headers)
                {
                    if (crossOrigin && IsCredential(name))
                    {
                        continue;
                    }

                    if (!message.Headers.TryAddWithoutValidation(name, value))
                    {
                        throw new ImageDownloadException(request.Url, ImageDownloadFailure.InvalidRequest, $"the header '{name}' cannot be sent on a GET request");
                    }
                }
            }

            if (request.IfNoneMatch is { } etag && !message.Headers.TryAddWithoutValidation("If-None-Match", etag))
            {
                throw new ImageDownloadException(request.Url, ImageDownloadFailure.InvalidRequest, "the IfNoneMatch value cannot be sent as If-None-Match");
            }

            if (request.IfModifiedSince is { } since)
            {
                message.Headers.IfModifiedSince = since;
            }

            if (message.Headers.Accept.Count == 0 && client.DefaultRequestHeaders.Accept.Count == 0)
            {
                message.Headers.TryAddWithoutValidation("Accept", DefaultAccept);
            }

            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    private static bool IsCredential(string header) =>
        header.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || header.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
        || header.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase);

    private AttemptResult Reject(Uri url, HttpResponseMessage response)
    {
        var status = response.StatusCode;
        var code = (int)status;
        if (!followsRedirects && code is >= 300 and <= 399 && response.Headers.Location is { } location)
        {
            var reason = $"HTTP {code} redirect to {location} was not followed ({(options.MaxRedirects == 0 ? "MaxRedirects is 0" : "the HttpClient does not follow redirects")})";
            throw new ImageDownloadException(url, ImageDownloadFailure.TooManyRedirects, reason, status);
        }

        if (AttemptResult.IsTransient(status))
        {
            return AttemptResult.TransientStatus(status, response.ReasonPhrase, RetryAfter(response.Headers.RetryAfter));
        }

        throw new ImageDownloadException(url, ImageDownloadFailure.HttpStatus, $"HTTP {Describe(status, response.ReasonPhrase)}", status);
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - options.TimeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    internal static string Describe(HttpStatusCode status, string? reasonPhrase)
    {
        var phrase = string.IsNullOrWhiteSpace(reasonPhrase) ? status.ToString() : reasonPhrase;
        return $"{(int)status} {phrase}";
    }
}
