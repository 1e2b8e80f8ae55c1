namespace ImageKit.Internal;

/// <summary>
/// How a URL is named in exceptions, logs and traces: as itself, except a long <c>data:</c> URL, which carries its
/// image and can be megabytes long: its start and its length.
/// </summary>
internal static class UrlText
{
    private const int DataUrlShown = 48;

    public static string Describe(Uri url)
    {
        var text = url.OriginalString;
        return url.IsAbsoluteUri && text.Length > DataUrlShown + 16 && string.Equals(url.Scheme, "data", StringComparison.OrdinalIgnoreCase)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{text.AsSpan(0, DataUrlShown)}… ({text.Length:N0} characters)")
            : url.ToString();
    }

    /// <summary>A URL for a log message: described (see <see cref="Describe"/>) only if the message is written.</summary>
    public readonly record struct Logged(Uri Url)
    {
        public override string ToString() => Describe(Url);
    }
}
