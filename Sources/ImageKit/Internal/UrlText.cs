namespace ImageKit.Internal;

/// <summary>
/// How a URL is named in exceptions, logs and traces (by the SDK and the CLI alike): as it was given, except a long
/// <c>data:</c> URL, which carries its image and can be megabytes long: its start and its length.
/// </summary>
internal static class UrlText
{
    private const int DataUrlShown = 48;

    /// <summary>
    /// The URL as it was given (<see cref="Uri.OriginalString"/>), a long <c>data:</c> URL shortened. Not
    /// <see cref="Uri.ToString"/>, which unescapes what it can ("a%20b.gif" as "a b.gif", "x%41" as "xA", "%E2%9C%93" as
    /// "✓") and normalizes ("HTTP://Host:80" as "http://host/"): a name the caller never passed and cannot look up.
    /// </summary>
    public static string Describe(Uri url) => IsLongDataUrl(url) ? Shorten(url.OriginalString) : url.OriginalString;

    private static bool IsLongDataUrl(Uri url) =>
        url.IsAbsoluteUri && url.OriginalString.Length > DataUrlShown + 16 && string.Equals(url.Scheme, "data", StringComparison.OrdinalIgnoreCase);

    private static string Shorten(string text) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{text.AsSpan(0, DataUrlShown)}… ({text.Length:N0} characters)");

    /// <summary>A URL for a log message: described (see <see cref="Describe"/>) only if the message is written.</summary>
    public readonly record struct Logged(Uri Url)
    {
        public override string ToString() => Describe(Url);
    }
}
