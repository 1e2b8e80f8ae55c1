namespace ImageKit.Loading;

/// <summary>
/// Loads the encoded bytes behind a URL of the schemes it accepts (the counterpart of SDWebImage's image loaders). Register
/// one in an <see cref="ImageLoaderRegistry"/> to let <see cref="ImageManager"/> load other schemes.
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface IImageLoader
{
    /// <summary>Whether this loader handles <paramref name="url"/>.</summary>
    bool CanLoad(Uri url);

    /// <summary>Loads the bytes of <paramref name="request"/>'s URL.</summary>
    /// <remarks>
    /// Honour <paramref name="cancellationToken"/>: the manager cancels it when the load's caller does, or when the
    /// manager is disposed. A load does not wait for a loader that ignores it: it ends at once, and what the loader returns
    /// later is dropped, so a loader that runs on after its token is cancelled only wastes its work. It must not use the
    /// manager's caches then: a disposed manager has disposed those it created.
    /// </remarks>
    /// <exception cref="ImageKitException">The bytes cannot be had; the type and message say why.</exception>
    Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default);
}
