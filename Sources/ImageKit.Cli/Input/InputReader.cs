using ImageKit.Loading;

namespace ImageKit.Cli.Input;

/// <summary>Reads what a command is pointed at: a local file or an http(s) URL.</summary>
internal static class InputReader
{
    /// <summary>The most bytes read from one input (larger inputs are refused, not buffered).</summary>
    public const long MaxInputBytes = 256L * 1024 * 1024;

    private static readonly TimeSpan s_httpTimeout = TimeSpan.FromSeconds(30);

    public static async Task<byte[]> ReadAsync(string input, CancellationToken cancellationToken)
    {
        if (Uri.TryCreate(input, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return await DownloadAsync(uri, input, cancellationToken).ConfigureAwait(false);
        }

        var path = uri is { IsFile: true } ? uri.LocalPath : input;
        try
        {
            var info = new FileInfo(path);
            if (Directory.Exists(path))
            {
                throw new CliException(input, "is a directory, not an image file");
            }

            if (!info.Exists)
            {
                throw new CliException(input, NotFoundReason(input, uri));
            }

            if (info.Length > MaxInputBytes)
            {
                throw new CliException(input, $"the file has {info.Length:N0} bytes, more than the {MaxInputBytes:N0} this tool reads");
            }

            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException(input, "permission denied", e);
        }
        catch (IOException e)
        {
            throw new CliException(input, $"cannot read the file: {e.Message}", e);
        }
    }

    // What a missing input most likely was: a URL of a scheme this tool does not read, a URL that did not parse, or a path.
    private static string NotFoundReason(string input, Uri? uri)
    {
        if (uri is { IsFile: false })
        {
            return $"the '{uri.Scheme}' scheme is not supported (http, https and file paths are)";
        }

        return input.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? "not a valid URL"
            : "file not found";
    }

    // Through the SDK's downloader: retries of transient failures, a per-attempt timeout, and the size limit enforced
    // from Content-Length and while streaming. The bytes are not required to look like an image here: the decoder then
    // says what they are, as it does for files.
    private static async Task<byte[]> DownloadAsync(Uri uri, string input, CancellationToken cancellationToken)
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions
        {
            AttemptTimeout = s_httpTimeout,
            MaxResponseBytes = MaxInputBytes,
            RequireImageContent = false,
        });
        try
        {
            var response = await downloader.DownloadAsync(new ImageDownloadRequest(uri), cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Data.ToArray();
        }
        catch (ImageDownloadException e)
        {
            throw new CliException(input, $"download failed: {e.Message}", e);
        }
    }
}
