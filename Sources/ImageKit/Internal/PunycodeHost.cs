namespace ImageKit.Internal;

/// <summary>
/// A URL's text with a host name in Unicode (<c>bücher.example</c>, also spelled with other dots or in capitals) written
/// as its punycode (<see cref="Uri.IdnHost"/>: <c>xn--bcher-kva.example</c>), which is where the request goes: one name
/// for the keys that tell downloads and cached images apart, however the URL spells the host.
/// <see cref="Uri.AbsoluteUri"/> keeps the Unicode spelling (IRI parsing), so it alone made two keys of one image.
/// </summary>
internal static class PunycodeHost
{
    /// <summary>
    /// <paramref name="text"/> (a form of <paramref name="url"/> that starts <c>scheme://</c>, its user information, if any,
    /// escaped, then its host as <see cref="Uri.Host"/> spells it, as <see cref="Uri.AbsoluteUri"/> and
    /// <see cref="Uri.GetComponents"/> do) with the host as punycode; the same string when the host is ASCII or no DNS name.
    /// </summary>
    public static string In(Uri url, string text)
    {
        if (url.HostNameType != UriHostNameType.Dns)
        {
            return text;
        }

        var host = url.Host;
        if (System.Text.Ascii.IsValid(host))
        {
            return text;
        }

        // After the user information where the text has it (AbsoluteUri does, GetComponents(HttpRequestUrl) does not).
        var authority = url.Scheme.Length + 3;
        var userInfo = url.UserInfo;
        if (userInfo.Length > 0 && text.Length > authority + userInfo.Length && text[authority + userInfo.Length] == '@'
            && string.CompareOrdinal(text, authority, userInfo, 0, userInfo.Length) == 0)
        {
            authority += userInfo.Length + 1;
        }

        return string.CompareOrdinal(text, authority, host, 0, host.Length) == 0
            ? string.Concat(text.AsSpan(0, authority), url.IdnHost, text.AsSpan(authority + host.Length))
            : text;
    }
}
