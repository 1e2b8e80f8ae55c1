using System.Net;

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
                throw new CliException(input, "file not found");
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

    private static async Task<byte[]> DownloadAsync(Uri uri, string input, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = s_httpTimeout };
        try
        {
            using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException(input, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
            }

            if (response.Content.Headers.ContentLength > MaxInputBytes)
            {
                throw new CliException(input, $"the response has {response.Content.Headers.ContentLength:N0} bytes, more than the {MaxInputBytes:N0} this tool reads");
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxInputBytes)
                {
                    throw new CliException(input, $"the response is larger than the {MaxInputBytes:N0} bytes this tool reads");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
        catch (HttpRequestException e)
        {
            var reason = e.StatusCode is HttpStatusCode status ? $"HTTP {(int)status}" : e.Message;
            throw new CliException(input, $"download failed: {reason}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(input, $"download timed out after {s_httpTimeout.TotalSeconds:0} s", e);
        }
    }
}
