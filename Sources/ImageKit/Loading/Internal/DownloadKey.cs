using System.Text;

namespace ImageKit.Loading.Internal;

/// <summary>
/// What makes two requests the same HTTP request: the URL without its fragment, the credentials in it (sent as Basic
/// authentication: two users' requests for one path are two requests, and one's cut-off body is never resumed into the
/// other's), the extra headers (names compared without case, in any order) and the validators. Priority and progressive
/// delivery do not change the answer, so they are left out.
/// </summary>
/// <param name="Url">The URL without its fragment and credentials, a host in Unicode written as its punycode (where the request goes).</param>
/// <param name="Credentials">A hash of the URL's user information, or <see langword="null"/> for none: never the password itself, so that the key can be shown.</param>
/// <param name="Headers">The extra headers (<see cref="CanonicalHeaders"/>).</param>
/// <param name="IfNoneMatch">The ETag validator.</param>
/// <param name="IfModifiedSince">The date validator.</param>
internal readonly record struct DownloadKey(string Url, string? Credentials, string? Headers, string? IfNoneMatch, DateTimeOffset? IfModifiedSince)
{
    public static DownloadKey From(ImageDownloadRequest request) => new(
        ImageKit.Internal.PunycodeHost.In(request.Url, request.Url.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped)),
        request.Url.UserInfo is { Length: > 0 } userInfo ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(userInfo))) : null,
        CanonicalHeaders(request.Headers),
        request.IfNoneMatch,
        request.IfModifiedSince);

    /// <summary>The headers as one string, names without case and in order; <see langword="null"/> for none.</summary>
    public static string? CanonicalHeaders(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var (name, value) in headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).ThenBy(h => h.Key, StringComparer.Ordinal))
        {
            // Each name and value after its length: no two header sets, valid or not, give the same string.
            builder.Append(name.Length).Append(':').Append(name.ToUpperInvariant()).Append(value?.Length ?? -1).Append(':').Append(value).Append('\n');
        }

        return builder.ToString();
    }
}
