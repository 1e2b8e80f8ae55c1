namespace ImageKit.Diagnostics.Internal;

/// <summary>
/// The names of the tags (OpenTelemetry attributes) on ImageKit's measurements and activities, in one place: a standard
/// semantic-convention attribute where one means the same (<c>url.full</c>, <c>error.type</c>), else an attribute in the
/// library's own <c>imagekit.</c> namespace. Their values stay lowercase words (<c>success</c>, <c>memory</c>…).
/// </summary>
internal static class TagNames
{
    /// <summary>The URL a load was given, its secrets shown as <c>***</c> (<c>UrlText.Describe</c>). Activity <c>ImageKit.LoadImage</c>.</summary>
    public const string UrlFull = "url.full";

    /// <summary>
    /// The full type name of the exception a load failed with (<c>ImageKit.Loading.ImageDownloadException</c>), on failures
    /// only (a cancellation is none). Activity <c>ImageKit.LoadImage</c>, <c>imagekit.loads</c>, <c>imagekit.load.duration</c>.
    /// </summary>
    public const string ErrorType = "error.type";

    /// <summary><c>memory</c> | <c>disk</c> | <c>network</c> | <c>none</c>. Activity <c>ImageKit.LoadImage</c>, <c>imagekit.loads</c>, <c>imagekit.load.duration</c>.</summary>
    public const string LoadSource = "imagekit.load.source";

    /// <summary><c>success</c> | <c>failure</c> | <c>cancelled</c>. Activity <c>ImageKit.LoadImage</c>, <c>imagekit.loads</c>, <c>imagekit.load.duration</c>.</summary>
    public const string LoadOutcome = "imagekit.load.outcome";

    /// <summary>The tier that answered, <c>memory</c> | <c>disk</c>, or <c>none</c>. Activity <c>ImageKit.CacheQuery</c>.</summary>
    public const string CacheHit = "imagekit.cache.hit";

    /// <summary><c>memory</c> | <c>disk</c>. <c>imagekit.cache.hits</c>, <c>imagekit.cache.misses</c>.</summary>
    public const string CacheTier = "imagekit.cache.tier";

    /// <summary>
    /// The length of the loaded bytes. Activity <c>ImageKit.Download</c>. Not <c>imagekit.download.bytes</c>, which is a
    /// counter's name: OpenTelemetry keeps metric and attribute names in one hierarchy.
    /// </summary>
    public const string DownloadBodySize = "imagekit.download.body.size";

    /// <summary><c>success</c> | <c>failure</c> | <c>cancelled</c>. <c>imagekit.download.duration</c>.</summary>
    public const string DownloadOutcome = "imagekit.download.outcome";

    /// <summary><c>success</c> | <c>failure</c>. <c>imagekit.decode.duration</c>.</summary>
    public const string DecodeOutcome = "imagekit.decode.outcome";

    /// <summary><c>shared</c> | <c>other</c>. <c>imagekit.player.frame_buffer.bytes</c>.</summary>
    public const string FrameBudget = "imagekit.frame_budget";
}
