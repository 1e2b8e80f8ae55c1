using ImageKit.Internal;

namespace ImageKit.Loading;

/// <summary>
/// Loads <c>file://</c> URLs from the local disk; their bytes are decoded and memory-cached, not copied to the disk cache.
/// The file is read on a pool thread. Cancelling a load returns at once even from a FIFO nobody writes to, though the
/// thread stays in the system's open (or read) call until a writer comes or the pipe closes, and then lets the file go.
/// </summary>
public sealed class FileImageLoader : IImageLoader
{
    /// <summary>
    /// The most bytes read from one file; larger files are refused, not read. A file that cannot say its length (a pipe,
    /// a device, a <c>/proc</c> file) is read up to this many bytes and refused beyond. <value>Default: 256 MiB.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to 0 or less.</exception>
    public long MaxFileBytes
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxFileBytes must be positive.");
    } = BoundedFileReader.DefaultMaxBytes;

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
        if (!CanLoad(request.Url))
        {
            throw new ImageLoadException(request.Url, "not an absolute file: URL");
        }

        var path = LocalPathOf(request.Url);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ImageLoadException(request.Url, "not a valid file path: it contains a NUL character");
        }

        try
        {
            if (Directory.Exists(path))
            {
                throw new ImageLoadException(request.Url, "is a directory, not an image file");
            }

            // Opened without asking first whether it exists: the failure says what is wrong (see FileReadFailure).
            // A FIFO blocks in its open until someone writes to it: the read honours cancellation even then.
            var data = await BoundedFileReader.ReadAsync(path, MaxFileBytes, TooLarge, cancellationToken).ConfigureAwait(false);
            progress?.Report(new ImageLoadProgress(data.Length, data.Length));
            return new ImageLoaderResponse(request.Url, data) { StoreOnDisk = false, LastModified = new FileInfo(path).LastWriteTimeUtc };
        }
        catch (Exception e) when (FileReadFailure.Describe(e) is { } reason)
        {
            throw new ImageLoadException(request.Url, reason, e);
        }

        Exception TooLarge(long? length) => new ImageLoadException(request.Url, BoundedFileReader.TooLargeReason(length, MaxFileBytes, "allowed"));
    }

    // The file a file: URL names. "localhost" names this machine (RFC 8089): file://localhost/path is file:///path, which
    // Uri reads as a UNC share (\\localhost\path), no file outside Windows (where it became a name relative to the
    // working folder). Another host is a network share on Windows; elsewhere there is no such file.
    internal static string LocalPathOf(Uri url)
    {
        if (!url.IsUnc)
        {
            return url.LocalPath;
        }

        if (string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new UriBuilder(url) { Host = string.Empty }.Uri.LocalPath;
        }

        return OperatingSystem.IsWindows()
            ? url.LocalPath
            : throw new ImageLoadException(url, $"names the host '{url.Host}': only local files (file:///path or file://localhost/path) can be loaded here");
    }
}
