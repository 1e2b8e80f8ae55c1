namespace ImageKit.Loading;

/// <summary>Loads <c>file://</c> URLs from the local disk; their bytes are decoded and memory-cached, not copied to the disk cache.</summary>
public sealed class FileImageLoader : IImageLoader
{
    /// <summary>The most bytes read from one file; larger files are refused, not read. <value>Default: 256 MiB.</value></summary>
    public long MaxFileBytes { get; init; } = 256L * 1024 * 1024;

    /// <inheritdoc/>
    public bool CanLoad(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && url.IsFile;
    }

    /// <inheritdoc/>
    public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Url.LocalPath;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ImageLoadException(request.Url, Directory.Exists(path) ? "is a directory, not an image file" : "file not found");
            }

            if (info.Length > MaxFileBytes)
            {
                throw new ImageLoadException(request.Url, $"the file has {info.Length:N0} bytes, more than the {MaxFileBytes:N0} allowed");
            }

            var data = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            progress?.Report(new ImageLoadProgress(data.Length, data.Length));
            return new ImageLoaderResponse(request.Url, data) { StoreOnDisk = false, LastModified = info.LastWriteTimeUtc };
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ImageLoadException(request.Url, "permission denied", e);
        }
        catch (IOException e)
        {
            throw new ImageLoadException(request.Url, $"cannot read the file: {e.Message}", e);
        }
    }
}
