namespace ImageKit.Internal;

/// <summary>
/// Hides the values of query parameters that carry secrets (signed CDN and storage URLs, API keys, tokens) wherever
/// ImageKit shows a URL: <c>?X-Amz-Signature=abc&amp;w=200</c> is shown as <c>?X-Amz-Signature=***&amp;w=200</c>. A
/// parameter is secret by its name, compared without case and without <c>-</c>, <c>_</c> and <c>.</c>: one of
/// <see cref="SecretNames"/>, or ending in one of <see cref="SecretEndings"/>. Other parameters (sizes, formats,
/// versions) stay visible, so that the URLs of an image's variants can still be told apart in a log.
/// </summary>
/// <remarks>
/// .NET's own HTTP diagnostics hide every query (<c>?*</c>); image URLs put sizes and formats in their query, so a log
/// that could not tell <c>?w=200</c> from <c>?w=400</c> would lose what it is for. The app context switch
/// <c>ImageKit.DisableUrlRedaction</c> (or the environment variable <c>IMAGEKIT_DISABLE_URL_REDACTION=1</c>) shows the
/// values; a URL's password is hidden regardless.
/// </remarks>
internal static class SecretQueryParameters
{
    /// <summary>The app context switch that turns the hiding off.</summary>
    public const string DisableSwitch = "ImageKit.DisableUrlRedaction";

    /// <summary>The environment variable that turns it off where the app's configuration cannot be changed (the CLI).</summary>
    public const string DisableVariable = "IMAGEKIT_DISABLE_URL_REDACTION";

    /// <summary>Parameter names (normalized: lower case, no <c>-</c>, <c>_</c>, <c>.</c>) whose values are secret.</summary>
    public static readonly string[] SecretNames =
    [
        "sig", "signature", "token", "auth", "authorization", "key", "apikey", "password", "passwd", "pwd", "pass",
        "secret", "session", "sessionid", "jwt", "credential", "credentials", "accesskey", "accesskeyid",
    ];

    /// <summary>Endings of normalized names whose values are secret (<c>X-Amz-Signature</c>, <c>access_token</c>, <c>client_secret</c>).</summary>
    public static readonly string[] SecretEndings =
        ["signature", "token", "secret", "password", "credential", "apikey", "accesskey", "accesskeyid"];

    private const int MaxStackChars = 256;
    private const string Hidden = "***";

    private static readonly bool Disabled = ReadDisabled();

    /// <summary>
    /// <paramref name="text"/> (a URL as text) with the values of its secret query parameters replaced by <c>***</c>; the
    /// same string when it has none, so URLs without secrets cost a scan and no allocation.
    /// </summary>
    public static string Hide(string text)
    {
        if (Disabled)
        {
            return text;
        }

        var hash = text.IndexOf('#', StringComparison.Ordinal);
        var end = hash < 0 ? text.Length : hash;
        var query = text.AsSpan(0, end).IndexOf('?');
        if (query < 0)
        {
            return text;
        }

        System.Text.StringBuilder? shown = null;
        var copied = 0;
        for (var start = query + 1; start < end;)
        {
            // Parameters are separated by '&', and by ';' in some older servers' URLs (a secret after one must not slip).
            var length = text.AsSpan(start, end - start).IndexOfAny('&', ';') is var separator and >= 0 ? separator : end - start;
            var equals = text.AsSpan(start, length).IndexOf('=');
            if (equals > 0 && equals < length - 1 && IsSecret(text.AsSpan(start, equals)))
            {
                shown ??= new System.Text.StringBuilder(text.Length);
                shown.Append(text, copied, start + equals + 1 - copied).Append(Hidden);
                copied = start + length;
            }

            start += length + 1;
        }

        return shown is null ? text : shown.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Whether a parameter named <paramref name="name"/> (as written in the URL, percent-escapes included) carries a secret.</summary>
    public static bool IsSecret(ReadOnlySpan<char> name)
    {
        if (name.Contains('%'))
        {
            name = Uri.UnescapeDataString(name.ToString());
        }

        Span<char> normalized = name.Length <= MaxStackChars ? stackalloc char[name.Length] : new char[name.Length];
        var count = 0;
        foreach (var c in name)
        {
            if (c is not ('-' or '_' or '.'))
            {
                normalized[count++] = char.ToLowerInvariant(c);
            }
        }

        var key = normalized[..count];
        foreach (var secret in SecretNames)
        {
            if (key.SequenceEqual(secret))
            {
                return true;
            }
        }

        foreach (var ending in SecretEndings)
        {
            if (key.EndsWith(ending, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ReadDisabled()
    {
        if (AppContext.TryGetSwitch(DisableSwitch, out var disabled))
        {
            return disabled;
        }

        var variable = Environment.GetEnvironmentVariable(DisableVariable);
        return variable is not null && (variable == "1" || variable.Equals("true", StringComparison.OrdinalIgnoreCase));
    }
}
