namespace ImageKit.Loading;

/// <summary>The encoded bytes an <see cref="IImageLoader"/> loaded, or word that the cached bytes are still good.</summary>
/// <param name="FinalUrl">Where the bytes came from, after redirects.</param>
/// <param name="Data">
/// The encoded bytes; empty when <see cref="NotModified"/>. The manager may still read them after the load has returned
/// (its disk store runs in the background): hand over a buffer that is never reused or changed.
/// </param>
public sealed record ImageLoaderResponse(Uri FinalUrl, ReadOnlyMemory<byte> Data)
{
    /// <summary>The source confirmed the cached bytes (HTTP 304).</summary>
    public bool NotModified { get; init; }

    /// <summary>The content type the source declared, if any.</summary>
    public string? ContentType { get; init; }

    /// <summary>The entity tag, for later revalidation.</summary>
    public string? ETag { get; init; }

    /// <summary>The Last-Modified date, for later revalidation.</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>Whether the bytes belong in the disk cache (local files do not: they are on disk already). <value>Default: <see langword="true"/>.</value></summary>
    public bool StoreOnDisk { get; init; } = true;

    /// <summary>Whether <see cref="Data"/> lies in an array on the pinned object heap (set by the HTTP loader only).</summary>
    internal bool DataIsPinned { get; init; }
}
