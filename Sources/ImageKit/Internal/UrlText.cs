namespace ImageKit.Internal;

/// <summary>
/// How a URL is named in exceptions, logs and traces (by the SDK and the CLI alike): as it was given, except a long
/// <c>data:</c> URL, which carries its image and can be megabytes long: its start and its length; and except its secrets:
/// a password and the values of secret query parameters (see <see cref="SecretQueryParameters"/>) are shown as <c>***</c>.
/// </summary>
internal static class UrlText
{
    private const int DataUrlShown = 48;

    // What ends a URL inside free text (see HideUrlSecretsIn): white space, and the quotes and brackets set around one.
    private static readonly System.Buffers.SearchValues<char> UrlEnds = System.Buffers.SearchValues.Create(" \t\r\n\f\v\"<>\u00A0\u2028\u2029");

    /// <summary>
    /// The URL as it was given (<see cref="Uri.OriginalString"/>), a long <c>data:</c> URL shortened. Not
    /// <see cref="Uri.ToString"/>, which unescapes what it can ("a%20b.gif" as "a b.gif", "x%41" as "xA", "%E2%9C%93" as
    /// "✓") and normalizes ("HTTP://Host:80" as "http://host/"): a name the caller never passed and cannot look up.
    /// </summary>
    public static string Describe(Uri url) => IsLongDataUrl(url) ? Shorten(url.OriginalString) : Redact(url);

    /// <summary>
    /// The URL as it was given, its secrets shown as <c>***</c>: the password of its user information (see
    /// <see cref="WithoutPassword"/>) and the values of secret query parameters (see <see cref="SecretQueryParameters"/>;
    /// a <c>data:</c> URL has no query).
    /// </summary>
    public static string Redact(Uri url)
    {
        var text = WithoutPassword(url);
        return IsDataUrl(url) ? text : SecretQueryParameters.Hide(text);
    }

    /// <summary>
    /// The URL as it was given, with the password of its user information (<c>user:password@host</c>) replaced by
    /// <c>***</c>: a URL's credentials never reach a log, an exception, a trace, the CLI's output or the disk cache's
    /// index. A user name alone is kept.
    /// </summary>
    public static string WithoutPassword(Uri url)
    {
        var text = url.OriginalString;
        if (!url.IsAbsoluteUri || url.UserInfo.Length == 0)
        {
            return text;
        }

        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        return scheme < 0 ? text : HidePasswordAt(text, scheme + 3);
    }

    // The text with the password of the authority starting at `start` (just after "scheme://", up to the path, query or
    // fragment; its user information ends at its last '@') shown as ***, or the text as it is when it has none.
    private static string HidePasswordAt(string text, int start)
    {
        var end = text.AsSpan(start).IndexOfAny("/?#") is var found and >= 0 ? start + found : text.Length;
        var at = text.AsSpan(start, end - start).LastIndexOf('@');
        var colon = at < 0 ? -1 : text.AsSpan(start, at).IndexOf(':');
        return colon < 0 ? text : string.Concat(text.AsSpan(0, start + colon + 1), "***", text.AsSpan(start + at));
    }

    /// <summary>
    /// <paramref name="text"/> (a message from outside ImageKit, such as an app loader's exception) with every spelling of
    /// <paramref name="url"/> in it (as given, <see cref="Uri.AbsoluteUri"/>, <see cref="Uri.ToString"/>) shown without its
    /// secrets (see <see cref="Redact"/>); the same string when the URL has none or the text does not name it.
    /// </summary>
    /// <remarks>
    /// Any other URL the text names (a redirect's target, the final URL) is shown without its password and secret query
    /// values too (see <see cref="HideUrlSecretsIn"/>).
    /// </remarks>
    public static string HideIn(string text, Uri url)
    {
        var redacted = Redact(url);
        if (redacted == url.OriginalString)
        {
            return HideUrlSecretsIn(text);
        }

        var hidden = text.Replace(url.OriginalString, redacted, StringComparison.Ordinal);
        if (url.IsAbsoluteUri)
        {
            hidden = hidden.Replace(url.AbsoluteUri, redacted, StringComparison.Ordinal);
        }

        return HideUrlSecretsIn(hidden.Replace(url.ToString(), redacted, StringComparison.Ordinal));
    }

    /// <summary>
    /// <paramref name="text"/> (free text: a message from outside ImageKit, a line that failed to parse as a URL) with every
    /// URL in it shown without its secrets: from its scheme's <c>://</c> (or a <c>//</c> that starts the text, a
    /// scheme-relative URL) to the next white space, <c>"</c>, <c>&lt;</c> or <c>&gt;</c>, its password and the values of
    /// its secret query parameters as <c>***</c>. The same string when it names none.
    /// </summary>
    public static string HideUrlSecretsIn(string text)
    {
        System.Text.StringBuilder? shown = null;
        var copied = 0;
        for (var from = 0; from < text.Length;)
        {
            int start, authority;
            if (from == 0 && text.StartsWith("//", StringComparison.Ordinal))
            {
                (start, authority) = (0, 2);
            }
            else if (text.IndexOf("://", from, StringComparison.Ordinal) is var separator and >= 0)
            {
                for (start = separator; start > from && IsSchemeChar(text[start - 1]); start--)
                {
                }

                authority = separator + 3;
            }
            else
            {
                break;
            }

            var end = text.AsSpan(authority).IndexOfAny(UrlEnds) is var found and >= 0 ? authority + found : text.Length;
            var url = text[start..end];
            var hidden = SecretQueryParameters.Hide(HidePasswordAt(url, authority - start));
            if (!string.Equals(hidden, url, StringComparison.Ordinal))
            {
                shown ??= new System.Text.StringBuilder(text.Length);
                shown.Append(text, copied, start - copied).Append(hidden);
                copied = end;
            }

            from = Math.Max(end, authority);
        }

        return shown is null ? text : shown.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>
    /// Text meant as one URL that may not be one (a <c>Location</c> header .NET could not read, a relative target): its
    /// password and the values of its secret query parameters as <c>***</c> (see <see cref="HideUrlSecretsIn"/>).
    /// </summary>
    public static string RedactText(string text) => SecretQueryParameters.Hide(HideUrlSecretsIn(text));

    private static bool IsSchemeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.';

    /// <summary>
    /// <paramref name="url"/>, or the same URL with its secrets shown as <c>***</c> (see <see cref="Redact"/>) when it has
    /// any: what the disk cache keeps as an entry's original URL.
    /// </summary>
    public static Uri RedactedUri(Uri url) => Redact(url) is var text && text != url.OriginalString ? new Uri(text, UriKind.RelativeOrAbsolute) : url;

    /// <summary>
    /// A cache key for a log message, described only if the message is written: a key that is a URL (the default key is
    /// the URL) is shown without its secrets (a password, the values of secret query parameters).
    /// </summary>
    public readonly record struct LoggedKey(string Key)
    {
        public override string ToString() => RedactText(Key); // also a URL inside a longer key ("v2|" + URL)
    }

    /// <summary>
    /// <paramref name="text"/> (a message from outside ImageKit, such as an app cache's exception) with <paramref name="key"/>
    /// in it shown as <see cref="LoggedKey"/> shows it, and every other URL in it without its secrets (see
    /// <see cref="HideUrlSecretsIn"/>).
    /// </summary>
    public static string HideKeyIn(string text, string key)
    {
        var shown = new LoggedKey(key).ToString();
        return HideUrlSecretsIn(string.Equals(shown, key, StringComparison.Ordinal) || key.Length == 0 ? text : text.Replace(key, shown, StringComparison.Ordinal));
    }

    /// <summary>
    /// Text that should have been a URL but is not one (a line of a list that is an image given by mistake), as a long
    /// <c>data:</c> URL is named: its start and its length when it is long, else as it is.
    /// </summary>
    /// <remarks>Its secrets are hidden as a URL's are (see <see cref="RedactText"/>): it may be a URL .NET could not read.</remarks>
    public static string DescribeNonUrl(string text) => RedactText(text) is var shown && shown.Length > DataUrlShown + 16 ? Shorten(shown) : shown;

    private static bool IsDataUrl(Uri url) => url.IsAbsoluteUri && string.Equals(url.Scheme, "data", StringComparison.OrdinalIgnoreCase);

    private static bool IsLongDataUrl(Uri url) => url.OriginalString.Length > DataUrlShown + 16 && IsDataUrl(url);

    // A surrogate pair is kept whole.
    private static string Shorten(string text) =>
        string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{text.AsSpan(0, char.IsHighSurrogate(text[DataUrlShown - 1]) ? DataUrlShown - 1 : DataUrlShown)}… ({text.Length:N0} characters)");

    /// <summary>A URL for a log message: described (see <see cref="Describe"/>) only if the message is written.</summary>
    public readonly record struct Logged(Uri Url)
    {
        public override string ToString() => Describe(Url);
    }
}
