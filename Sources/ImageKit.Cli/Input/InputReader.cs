using System.Runtime.InteropServices;
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
        if (input.Length == 0)
        {
            throw new CliException(null, "usage: the file or URL is empty");
        }

        if (Uri.TryCreate(input, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return await DownloadAsync(uri, input, cancellationToken).ConfigureAwait(false);
        }

        var path = uri is { IsFile: true } ? uri.LocalPath : input;
        if (!path.Contains('\0', StringComparison.Ordinal) && !File.Exists(path) && !Directory.Exists(path))
        {
            throw new CliException(input, NotFoundReason(input, uri));
        }

        return await ReadFileAsync(path, input, MaxInputBytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a local file through the SDK's file loader, which bounds what it reads also for files that cannot say their
    /// length (a pipe such as <c>&lt;(curl …)</c>, <c>/dev/zero</c>) and lets a FIFO nobody writes to be cancelled.
    /// </summary>
    public static async Task<byte[]> ReadFileAsync(string path, string sourceName, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            // An implicit file URI keeps every character of the path ('#', '%', '?' included) in its LocalPath.
            var url = new Uri(Path.GetFullPath(path));
            var response = await new FileImageLoader { MaxFileBytes = maxBytes }
                .LoadAsync(new ImageLoaderRequest(url), cancellationToken: cancellationToken).ConfigureAwait(false);
            return MemoryMarshal.TryGetArray(response.Data, out var whole) && whole is { Offset: 0, Array: { } array } && whole.Count == array.Length
                ? array
                : response.Data.ToArray();
        }
        catch (ImageLoadException e)
        {
            throw new CliException(sourceName, e.Message, e);
        }
        catch (ArgumentException e)
        {
            throw new CliException(sourceName, "not a valid file path", e);
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
