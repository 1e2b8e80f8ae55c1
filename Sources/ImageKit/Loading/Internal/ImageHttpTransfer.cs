using ImageKit.Internal;
using System.Net;
using System.Net.Http.Headers;
using ImageKit.Decoding;

namespace ImageKit.Loading.Internal;

/// <summary>One HTTP attempt: builds the request, sends it, validates the final response and reads the body.</summary>
/// <param name="client">The client to send with.</param>
/// <param name="options">The downloader's settings.</param>
/// <param name="followsRedirects">Whether the client follows redirects (<see cref="RedirectHandler"/>): a redirect response that reaches this class was then not one to follow.</param>
/// <param name="ownHandler">Whether the client sends through the handler ImageKit built, which sends printable ASCII header values only.</param>
internal sealed class ImageHttpTransfer(HttpClient client, ImageDownloaderOptions options, bool followsRedirects, bool ownHandler = false)
{
    private const string DefaultAccept = "image/webp,image/apng,image/png,image/gif,image/jpeg,image/*;q=0.8,*/*;q=0.5";

    /// <summary>The names of a request's per-load headers, which <see cref="RedirectHandler"/> does not carry to another origin.</summary>
    internal static readonly HttpRequestOptionsKey<string[]> PerLoadHeaderNames = new("ImageKit.PerLoadHeaderNames");

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
        while (true)
        {
            // A body cut off before (an earlier attempt, a cancelled download) is continued: only the rest is asked for.
            var resumed = download.Resume;
            using var message = CreateMessage(request, resumed);
            if (options.RequestModifier is { } modifier)
            {
                try
                {
                    await modifier(message, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    throw new AppCallbackException(e); // the app's, not the host's: not retried, passed on as it is
                }

                CheckModifiedTarget(request.Url, message.RequestUri);
                if (ownHandler)
                {
                    CheckModifiedHeaders(request.Url, message);
                }
            }

            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (UriFormatException ex)
            {
                // An application-supplied client that follows redirects itself fails this way on a Location it cannot parse
                // as an http URL (file:///…). Not retried: the server will send the same Location again.
                throw new ImageDownloadException(request.Url, ImageDownloadFailure.TooManyRedirects, $"the HttpClient could not follow a redirect: {ex.Message}", innerException: ex);
            }

            // Disposing a response whose body was not read to the end aborts the connection, which is what an over-limit or
            // rejected body needs.
            using (response)
            {
                if (resumed is not null && !ResumeRules.Continues(response, resumed))
                {
                    if (response.StatusCode is HttpStatusCode.PartialContent or HttpStatusCode.RequestedRangeNotSatisfiable)
                    {
                        // The server would send another range, or none of it: the kept bytes are of no use. Ask again for
                        // the whole body (the next round sends no Range, so this happens once).
                        download.Resume = null;
                        continue;
                    }

                    if (response.IsSuccessStatusCode)
                    {
                        // The whole body again (the entity changed, or the server ignores ranges).
                        download.Resume = null;
                    }

                    resumed = null;
                }

                return await ReadResponseAsync(download, response, resumed, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<AttemptResult> ReadResponseAsync(SharedDownload download, HttpResponseMessage response, PartialBody? resumed, CancellationToken cancellationToken)
    {
        var request = download.Request;

        // Where redirects ended, whoever followed them (RedirectHandler, or an application-supplied client's own handler).
        var finalUrl = response.RequestMessage?.RequestUri ?? request.Url;
        var validatorsSent = request.IfNoneMatch is not null || request.IfModifiedSince is not null;
        if (validatorsSent && response.StatusCode == HttpStatusCode.NotModified)
        {
            return AttemptResult.Success(new ImageDownloadResponse(
                request.Url, finalUrl, response.StatusCode, ReadOnlyMemory<byte>.Empty, response.Content.Headers.ContentType?.ToString(), ImageFormat.Unknown, response.Headers.ETag?.ToString(), response.Content.Headers.LastModified)
            {
                HttpVersion = response.Version,
            });
        }

        if (response.StatusCode == HttpStatusCode.NotModified && !SentValidators(response))
        {
            // No validators were sent (neither the request's nor the request modifier's), so there is no copy for it to
            // confirm, whatever AcceptStatusCode accepts: taken as success it would read as NotModified (an empty body
            // the caller keeps nothing for), or as an empty non-image.
            throw new ImageDownloadException(request.Url, ImageDownloadFailure.HttpStatus, $"HTTP {Describe(response.StatusCode, response.ReasonPhrase)} to a request without validators: there is no copy it could confirm", response.StatusCode);
        }

        // The rest of a body asked for by this downloader is its own business, not the status check's.
        var accepted = resumed is not null || (options.AcceptStatusCode is { } accept ? Accepts(accept, response) : response.IsSuccessStatusCode);
        if (!accepted)
        {
            return Reject(request.Url, response);
        }

        // Part of a body nobody asked a part of: never an image to decode or to keep, whatever else the app's predicate
        // accepts. Only a range the app's request modifier asked for is the predicate's to judge.
        if (resumed is null && response.StatusCode == HttpStatusCode.PartialContent
            && (options.AcceptStatusCode is null || response.RequestMessage?.Headers.Range is null))
        {
            throw new ImageDownloadException(request.Url, ImageDownloadFailure.HttpStatus, "HTTP 206 Partial Content: the server sent part of the image to a request for all of it", response.StatusCode);
        }

        var contentLength = resumed is null ? response.Content.Headers.ContentLength : ResumeRules.Total(response, resumed);
        if (contentLength > options.MaxResponseBytes)
        {
            throw new ImageDownloadException(request.Url, ImageDownloadFailure.TooLarge, $"the body is {contentLength} bytes (Content-Length), more than MaxResponseBytes ({options.MaxResponseBytes} bytes); it was not downloaded", response.StatusCode);
        }

        // What a request for the rest would need, should this body be cut off.
        var validator = resumed?.Validator ?? (options.MaxResumableBytes > 0 && !validatorsSent ? ResumeRules.Validator(response) : null);
        var contentType = response.Content.Headers.ContentType?.ToString() ?? resumed?.ContentType;
        var etag = response.Headers.ETag?.ToString() ?? resumed?.ETag;
        var lastModified = response.Content.Headers.LastModified ?? resumed?.LastModified;
        var noStore = response.Headers.CacheControl?.NoStore == true || resumed?.NoStore == true;
        var cursor = new BodyCursor(resumed);
        ReadOnlyMemory<byte> data;
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                data = await ResponseBodyReader.ReadAsync(body, contentLength, options.MaxResponseBytes, request.Url, download, request.KeepsBody, cursor, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (validator is not null && cursor is { Buffer: { } buffer, Received: > 0 } && ex is not ImageDownloadException)
        {
            // Cut off (a reset, a timeout, a cancelled download): keep what arrived for the next attempt or download.
            download.Resume = new PartialBody(buffer, cursor.Received, validator, contentLength, contentType, etag, lastModified, resumed?.Source ?? finalUrl, noStore);
            throw;
        }
        catch (Exception) when (cursor.Received == 0)
        {
            // An answer that cannot be trusted (longer than it said): nothing kept before it is worth continuing either.
            download.Resume = null;
            throw;
        }

        download.Resume = null;
        var format = ImageFormatDetector.Detect(data.Span);
        if (format == ImageFormat.Unknown && options.RequireImageContent)
        {
            var declared = contentType is null ? "no Content-Type" : $"Content-Type {ServerText.Clip(contentType)}";
            var what = data.IsEmpty ? $"empty ({declared})" : $"{ImageFormatDetector.DescribeUnrecognized(data.Span)} ({declared}, {data.Length} bytes)";
            throw new ImageDownloadException(request.Url, ImageDownloadFailure.NotAnImage, "the body is " + what, response.StatusCode);
        }

        return AttemptResult.Success(new ImageDownloadResponse(request.Url, finalUrl, response.StatusCode, data, contentType, format, etag, lastModified)
        {
            NoStore = noStore,
            HttpVersion = response.Version,
            ResumedBytes = resumed?.Count ?? 0,
            DataIsPinned = cursor.BufferPinned,
        });
    }

    private HttpRequestMessage CreateMessage(ImageDownloadRequest request, PartialBody? resumed)
    {
        // HttpClient applies its DefaultRequestVersion only to messages it creates itself: carry it over, so that an app's
        // own client decides, and the downloader's own asks for HTTP/2 (DownloaderHttp).
        var message = new HttpRequestMessage(HttpMethod.Get, request.Url) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
        try
        {
            var acceptGiven = false;
            if (request.Headers is { } headers)
            {
                // Checked by RequestHeaderRules when the download was asked for (DownloadAsync).
                foreach (var (name, value) in headers)
                {
                    if (!message.Headers.TryAddWithoutValidation(name, value))
                    {
                        throw new ImageDownloadException(request.Url, ImageDownloadFailure.InvalidRequest, $"the header '{name}' describes a body and cannot be sent on a GET request");
                    }

                    acceptGiven |= name.Equals("Accept", StringComparison.OrdinalIgnoreCase);
                }

                message.Options.Set(PerLoadHeaderNames, [.. headers.Keys]);
            }

            // A URL's user information (https://user:password@host/…) goes out as Basic authentication, as curl sends it;
            // .NET would drop it silently. Not over an Authorization the load or the app's client already sets.
            if (message.Headers.Authorization is null && client.DefaultRequestHeaders.Authorization is null && BasicCredentials(request.Url) is { } basic)
            {
                message.Headers.Authorization = basic;
            }

            if (request.IfNoneMatch is { } etag && !message.Headers.TryAddWithoutValidation("If-None-Match", etag))
            {
                throw new ImageDownloadException(request.Url, ImageDownloadFailure.InvalidRequest, "the IfNoneMatch value cannot be sent as If-None-Match");
            }

            if (request.IfModifiedSince is { } since)
            {
                message.Headers.IfModifiedSince = since;
            }

            if (resumed is not null)
            {
                message.Headers.Range = new RangeHeaderValue(resumed.Count, null);
                message.Headers.TryAddWithoutValidation("If-Range", resumed.Validator);
            }

            if (!acceptGiven && message.Headers.Accept.Count == 0 && client.DefaultRequestHeaders.Accept.Count == 0)
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

    /// <summary>
    /// Refuses a request the modifier pointed where the client cannot send it (no URL, another scheme, a relative URL
    /// without a <see cref="HttpClient.BaseAddress"/>): the HTTP stack would throw its own <see cref="NotSupportedException"/>
    /// or <see cref="InvalidOperationException"/>, which is no download failure. Not retried: the next attempt would be
    /// sent to the same place.
    /// </summary>
    private void CheckModifiedTarget(Uri url, Uri? target)
    {
        var sendable = target is not null && (target.IsAbsoluteUri
            ? target.Scheme == Uri.UriSchemeHttp || target.Scheme == Uri.UriSchemeHttps
            : client.BaseAddress is not null);
        if (!sendable)
        {
            var where = target is null ? "no URL" : ServerText.Clip(target.IsAbsoluteUri ? UrlText.Redact(target) : UrlText.RedactText(target.OriginalString));
            throw new ImageDownloadException(url, ImageDownloadFailure.InvalidRequest, $"the RequestModifier set the request's URL to {where}; only absolute http and https URLs can be sent");
        }
    }

    /// <summary>
    /// Refuses a header value the modifier set that ImageKit's handler cannot send as it is (RequestHeaderRules, as for a
    /// load's own headers): a non-ASCII letter it refuses only when sending (a network error, retried and counted against
    /// the host), a NUL it sends, a line break it cuts the value short at. Not retried: every attempt would carry it.
    /// </summary>
    private static void CheckModifiedHeaders(Uri url, HttpRequestMessage message)
    {
        foreach (var (name, values) in message.Headers.NonValidated)
        {
            foreach (var value in values)
            {
                if (RequestHeaderRules.ValueProblem($"the header '{name}' the RequestModifier set", value) is { } problem)
                {
                    throw new ImageDownloadException(url, ImageDownloadFailure.InvalidRequest, problem);
                }
            }
        }
    }

    /// <summary>Basic credentials from the URL's user information (percent-escapes decoded), or <see langword="null"/> when it has none.</summary>
    internal static AuthenticationHeaderValue? BasicCredentials(Uri url)
    {
        if (url.UserInfo.Length == 0)
        {
            return null;
        }

        var userInfo = url.UserInfo;
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
        var password = colon < 0 ? string.Empty : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}")));
    }

    private AttemptResult Reject(Uri url, HttpResponseMessage response)
    {
        var status = response.StatusCode;
        var code = (int)status;
        if (!followsRedirects && code is >= 300 and <= 399 && response.Headers.Location is { } location)
        {
            var reason = $"HTTP {code} redirect to {ServerText.Clip(UrlText.Redact(location))} was not followed ({(options.MaxRedirects == 0 ? "MaxRedirects is 0" : "the HttpClient does not follow redirects")})";
            throw new ImageDownloadException(url, ImageDownloadFailure.TooManyRedirects, reason, status);
        }

        if (AttemptResult.IsTransient(status))
        {
            return AttemptResult.TransientStatus(status, response.ReasonPhrase, RetryAfter(response.Headers));
        }

        throw new ImageDownloadException(url, ImageDownloadFailure.HttpStatus, $"HTTP {Describe(status, response.ReasonPhrase)}{WhyNotFollowed(response)}", status);
    }

    /// <summary>
    /// For a redirect status left unfollowed for want of a usable <c>Location</c> (missing, or not a URL: .NET then
    /// leaves the header unparsed), what was wrong with it; empty otherwise.
    /// </summary>
    private static string WhyNotFollowed(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
                or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect)
            || response.Headers.Location is not null)
        {
            return string.Empty;
        }

        return response.Headers.NonValidated.TryGetValues("Location", out var values) && values.Count > 0
            ? $": a redirect whose Location is not a URL ('{ServerText.Clip(UrlText.RedactText(values.ToString()))}')"
            : ": a redirect without a Location";
    }

    private TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        var header = headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - options.TimeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        // .NET parses delta-seconds as an int and leaves a larger number unparsed: still a wait longer than any MaxDelay
        // (which caps it), not a header to ignore in favour of the short computed backoff.
        if (header is null && headers.NonValidated.TryGetValues("Retry-After", out var raw) && raw.Count == 1
            && raw.ToString().Trim() is { Length: > 0 } seconds && seconds.All(char.IsAsciiDigit))
        {
            return TimeSpan.MaxValue;
        }

        return null;
    }

    internal static string Describe(HttpStatusCode status, string? reasonPhrase)
    {
        var phrase = string.IsNullOrWhiteSpace(reasonPhrase) ? status.ToString() : ServerText.Clip(reasonPhrase);
        return $"{(int)status} {phrase}";
    }

    /// <summary>Whether the request that got <paramref name="response"/> carried validators (the request modifier may add its own).</summary>
    private static bool SentValidators(HttpResponseMessage response) =>
        response.RequestMessage?.Headers is { } sent && (sent.IfNoneMatch.Count > 0 || sent.IfModifiedSince is not null);

    private static bool Accepts(Func<HttpResponseMessage, bool> accept, HttpResponseMessage response)
    {
        try
        {
            return accept(response);
        }
        catch (Exception e)
        {
            throw new AppCallbackException(e); // the app's, not the host's: not retried, passed on as it is
        }
    }
}
