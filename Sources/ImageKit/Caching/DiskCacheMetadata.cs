namespace ImageKit.Caching;

/// <summary>
/// What the disk cache keeps beside an entry's bytes, mostly for HTTP revalidation. Every field is optional.
/// Immutable and safe to share between threads (do not change <see cref="ExtendedData"/> after handing it over).
/// </summary>
public sealed record DiskCacheMetadata
{
    /// <summary>An empty metadata record.</summary>
    public static DiskCacheMetadata Empty { get; } = new();

    /// <summary>The MIME type the bytes were served with, for example <c>image/gif</c>. <value>Default: <see langword="null"/>.</value></summary>
    public string? ContentType { get; init; }

    /// <summary>Where the bytes came from. <value>Default: <see langword="null"/>.</value></summary>
    public Uri? OriginalUrl { get; init; }

    /// <summary>The HTTP entity tag, as the server sent it (quotes included). <value>Default: <see langword="null"/>.</value></summary>
    public string? ETag { get; init; }

    /// <summary>The HTTP <c>Last-Modified</c> time. Stored to the tick in UTC. <value>Default: <see langword="null"/>.</value></summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>Any bytes the caller wants kept with the entry (SDWebImage's "extended data"). <value>Default: <see langword="null"/>.</value></summary>
#pragma warning disable CA1819 // An opaque byte payload; a copy per access would cost more than it protects.
    public byte[]? ExtendedData { get; init; }
#pragma warning restore CA1819
}
