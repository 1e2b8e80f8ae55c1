using System.Globalization;
using ImageKit.Decoding;
using ImageKit.Transforming.Internal;

namespace ImageKit.Caching.Internal;

/// <summary>
/// The memory key of a decoded variant: the cache key plus every decode option that changes the decoded result, so that a
/// first-frame-only, scaled-down, thumbnail or transformed decode never answers for a full one (SDWebImage forgot some of these, their #3770).
/// </summary>
internal static class MemoryCacheKey
{
    // Between the cache key and the decode options of a variant: a control character no URL holds.
    private const char Separator = '\u001f';

    /// <summary>
    /// Whether <paramref name="key"/> is free of the separator of variants, as every key given to the caches must be for
    /// <see cref="IsOf"/> to tell one key's variants from another key (the manager refuses an app's key that is not).
    /// </summary>
    public static bool IsVariantFree(string key) => !key.Contains(Separator, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="memoryKey"/> is <paramref name="key"/> itself or one of its variants.</summary>
    public static bool IsOf(string memoryKey, string key) =>
        memoryKey.StartsWith(key, StringComparison.Ordinal) && (memoryKey.Length == key.Length || memoryKey[key.Length] == Separator);

    /// <summary>The length of the cache key that <paramref name="memoryKey"/> is of (all of it, unless it is a variant).</summary>
    public static int KeyLength(string memoryKey)
    {
        var separator = memoryKey.IndexOf(Separator, StringComparison.Ordinal);
        return separator < 0 ? memoryKey.Length : separator;
    }

    public static string For(string key, ImageDecodeOptions? options)
    {
        if (options is null || IsDefaultVariant(options))
        {
            return key;
        }

        var durations = options.FrameDurations;
        return string.Create(CultureInfo.InvariantCulture,
            $"{key}{Separator}{(options.FirstFrameOnly ? "first" : "all")};px={options.MaxPixelCount};thumb={options.ThumbnailPixelSize.Width}x{options.ThumbnailPixelSize.Height};gif={options.GifLoopCount};o={options.Orientation};d={durations.Threshold.Ticks}>{durations.Replacement.Ticks};t={TransformChain.CacheKey(options.Transformers)}");
    }

    private static bool IsDefaultVariant(ImageDecodeOptions options) =>
        !options.FirstFrameOnly
        && options.MaxPixelCount <= 0
        && options.ThumbnailPixelSize.IsEmpty
        && options.GifLoopCount == ImageDecodeOptions.Default.GifLoopCount
        && options.Orientation == ImageDecodeOptions.Default.Orientation
        && options.FrameDurations == ImageDecodeOptions.Default.FrameDurations
        && options.Transformers.Count == 0;
}
