using ImageKit.Caching.Internal;
using ImageKit.Internal;

namespace ImageKit;

public sealed partial class ImageManager
{
    // The key a load is cached under: the app's CacheKey function's, which must make one, else the absolute URL, a host in
    // Unicode written as its punycode (one image, one entry, by either name; ASCII URLs keep their AbsoluteUri).
    // An app key must not hold the character that separates a key from its variants' decode options (MemoryCacheKey): one
    // key would pass for a variant of another, and a refresh of the shorter (RemoveVariantsOf) drop the longer's images,
    // or a transformed still stored on disk beside one be taken for the other's entry. A URL's key never holds it (Uri
    // escapes control characters).
    private static string CacheKeyFor(Uri url, ImageLoadOptions options)
    {
        if (options.CacheKey is not { } cacheKey)
        {
            return PunycodeHost.In(url, url.AbsoluteUri);
        }

        var key = cacheKey(url);
        if (string.IsNullOrEmpty(key))
        {
            throw new ArgumentException($"The CacheKey function returned {(key is null ? "null" : "an empty key")} for '{UrlText.Describe(url)}'.", nameof(options));
        }

        return MemoryCacheKey.IsVariantFree(key)
            ? key
            : throw new ArgumentException($"The CacheKey function returned a key holding the control character U+001F for '{UrlText.Describe(url)}'; ImageKit keeps it for the variants of a key.", nameof(options));
    }
}
