using System.Collections.Frozen;

namespace ImageKit.Loading.Internal;

/// <summary>
/// What an extra request header (<see cref="ImageDownloadRequest.Headers"/>, <see cref="ImageLoadOptions.Headers"/>, the
/// CLI's <c>--header</c>) may be. Checked before a download is shared or queued, so that a header HttpClient would refuse
/// only when sending (as a network error, retried, counted against the host's circuit breaker) fails the one load at
/// once, and a header the downloader sets itself (resuming, revalidation, the connection) cannot change what it means.
/// </summary>
internal static class RequestHeaderRules
{
    // Set by the downloader or by HttpClient: the connection's own, the resume range and the revalidation validators.
    private static readonly FrozenSet<string> s_reserved = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Upgrade", "Expect", "Content-Length",
        "Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since");

    // What HttpClient keeps on a body (HttpContentHeaders): a GET request has none.
    private static readonly FrozenSet<string> s_bodyHeaders = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "Allow", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Location", "Content-MD5", "Content-Range",
        "Content-Type", "Expires", "Last-Modified");

    /// <summary>What is wrong with one header, or <see langword="null"/> if it may be sent.</summary>
    public static string? Problem(string? name, string? value)
    {
        if (string.IsNullOrEmpty(name) || name.AsSpan().ContainsAnyExcept(s_tokenChars))
        {
            return $"'{Printable(name ?? "")}' is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)";
        }

        if (s_reserved.Contains(name))
        {
            return name.StartsWith("If-", StringComparison.OrdinalIgnoreCase) || name.Equals("Range", StringComparison.OrdinalIgnoreCase)
                ? $"the header '{name}' is the downloader's own (resuming and revalidation set it; use RefreshCached to revalidate)"
                : $"the header '{name}' is the connection's own and cannot be set for a load";
        }

        if (s_bodyHeaders.Contains(name))
        {
            return $"the header '{name}' describes a body and cannot be sent on a GET request";
        }

        if (value is null)
        {
            return $"the header '{name}' has no value (null)";
        }

        return ValueProblem($"the header '{name}'", value);
    }

    /// <summary>
    /// What is wrong with a header value, or <see langword="null"/> if it may be sent: visible ASCII, spaces and tabs only
    /// (RFC 9110 §5.5). HttpClient refuses other letters only when sending (a network error, retried), and sends a NUL.
    /// </summary>
    /// <param name="what">Names the value in the message ("the header 'X'", "IfNoneMatch").</param>
    /// <param name="value">The value.</param>
    public static string? ValueProblem(string what, string value) =>
        value.AsSpan().ContainsAnyExcept(s_valueChars)
            ? $"the value of {what} has a character other than printable ASCII, space or tab (a line break, a control character, or a non-ASCII letter)"
            : null;

    /// <summary>
    /// Checks the headers and copies them into a dictionary of their own (names without case), so that a caller changing
    /// its dictionary later changes neither which downloads share one request nor what a retry sends.
    /// </summary>
    /// <returns>The copy, or <see langword="null"/> for none.</returns>
    /// <exception cref="ImageDownloadException">A header may not be sent (<see cref="ImageDownloadFailure.InvalidRequest"/>).</exception>
    public static IReadOnlyDictionary<string, string>? Checked(Uri url, IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        var copy = new Dictionary<string, string>(headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (Problem(name, value) is { } problem)
            {
                throw new ImageDownloadException(url, ImageDownloadFailure.InvalidRequest, problem);
            }

            if (!copy.TryAdd(name, value))
            {
                throw new ImageDownloadException(url, ImageDownloadFailure.InvalidRequest, $"the header '{name}' is given twice, in different letter case");
            }
        }

        return copy.AsReadOnly();
    }

    private static readonly System.Buffers.SearchValues<char> s_tokenChars =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static readonly System.Buffers.SearchValues<char> s_valueChars =
        System.Buffers.SearchValues.Create("\t" + string.Concat(Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c)));

    // A name in a message: what cannot be printed is shown escaped, and a long one is cut.
    private static string Printable(string name)
    {
        var shown = name.Length > 64 ? name[..64] + "…" : name;
        return string.Concat(shown.Select(c => c is < ' ' or '\x7f' ? $"\\x{(int)c:x2}" : c.ToString()));
    }
}
