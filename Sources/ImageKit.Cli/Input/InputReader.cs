using ImageKit.Internal;
using ImageKit.Loading;

namespace ImageKit.Cli.Input;

/// <summary>Reads what a command is pointed at: a local file, an http(s) URL or a <c>data:</c> URL.</summary>
internal static class InputReader
{
    /// <summary>The most bytes read from one input (larger inputs are refused, not buffered).</summary>
    public const long MaxInputBytes = 256L * 1024 * 1024;

    /// <summary>The input that names standard input, as in most Unix tools (<c>curl … | imagekit inspect -</c>).</summary>
    public const string StandardInput = "-";

    private static readonly TimeSpan s_httpTimeout = TimeSpan.FromSeconds(30);

    /// <param name="input">A file path, or an http(s), <c>file:</c> or <c>data:</c> URL.</param>
    /// <param name="headers">Extra request headers for an http(s) URL; ignored for the others.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<byte[]> ReadAsync(string input, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        if (input.Length == 0)
        {
            throw CliException.Usage("the file or URL is empty");
        }

        if (input == StandardInput)
        {
            return await ReadStandardInputAsync(MaxInputBytes, cancellationToken).ConfigureAwait(false);
        }

        var isUrl = IsUrl(input, out var uri);
        if (isUrl && (uri!.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return await DownloadAsync(uri, input, headers, cancellationToken).ConfigureAwait(false);
        }

        if (isUrl && string.Equals(uri!.Scheme, "data", StringComparison.OrdinalIgnoreCase))
        {
            return await ReadDataUrlAsync(uri, cancellationToken).ConfigureAwait(false);
        }

        // A URL of another scheme is tried as a path too (a file may be named "img:1.gif"), as is an http(s) URL that does
        // not parse: if it cannot be read, it is named as fetch names a URL it refuses, without its secrets and, when long,
        // by its start and length, also when reading it fails for another reason than a missing file (a name too long).
        var path = LocalPath(input)!;
        var refused = isUrl ? !uri!.IsFile : LooksLikeHttpUrl(input);
        var name = refused ? UrlText.DescribeNonUrl(input) : isUrl ? DisplayName(input) : input;
        if (!path.Contains('\0', StringComparison.Ordinal) && Directory.Exists(path)) // ReadFileAsync says what is wrong with a NUL
        {
            throw new CliException(name, "is a directory, not an image file");
        }

        // Opened without asking first whether it exists (File.Exists says false for any failure): see ReadFileAsync.
        try
        {
            return await ReadFileAsync(path, name, MaxInputBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e) when (FileReadFailure.IsNotFound(e.InnerException))
        {
            throw new CliException(refused ? name : DisplayName(input), NotFoundReason(input, isUrl ? uri : null), e.InnerException);
        }
    }

    /// <summary>
    /// How an input is named on output and in errors: as given, except a long <c>data:</c> URL (it carries the image),
    /// by its start and its length, and a URL's secrets (a password, secret query parameters) as <c>***</c>, as
    /// <c>fetch</c> and the SDK name them.
    /// </summary>
    public static string DisplayName(string input) =>
        input == StandardInput ? "standard input"
        : IsUrl(input, out var uri) ? UrlText.Describe(uri)
        : UrlText.HideUrlSecretsIn(input); // also a URL .NET could not read ("http://user:password@host:99999/")

    /// <summary>
    /// The local file an input names, as <see cref="ReadAsync"/> reads it, or <see langword="null"/> for an http(s) or
    /// <c>data:</c> URL. Only a <c>file:</c> URL is unescaped; a path is taken as it is ("a%41.gif" is that file, not
    /// "aA.gif").
    /// </summary>
    /// <exception cref="ImageLoadException">A <c>file:</c> URL names another host than this machine (outside Windows).</exception>
    public static string? LocalPath(string input)
    {
        if (input == StandardInput)
        {
            return null;
        }

        if (!IsUrl(input, out var uri))
        {
            return input;
        }

        return uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps || string.Equals(uri.Scheme, "data", StringComparison.OrdinalIgnoreCase) ? null
            : uri.IsFile ? FileImageLoader.LocalPathOf(uri) // as the SDK reads it: file://localhost/path is /path
            : input;
    }

    // A URL rather than a path: absolute, with a scheme, and not a rooted path (which .NET also parses as a file: URL).
    private static bool IsUrl(string input, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? uri) =>
        Uri.TryCreate(input, UriKind.Absolute, out uri) && input.Contains(':', StringComparison.Ordinal) && !Path.IsPathRooted(input);

    /// <summary>
    /// Reads a local file with the SDK's bounded reader: also a file that cannot say its length (a pipe such as
    /// <c>&lt;(curl …)</c>, <c>/dev/zero</c>) is read only up to <paramref name="maxBytes"/>, and a FIFO nobody writes to
    /// can be cancelled.
    /// </summary>
    public static async Task<byte[]> ReadFileAsync(string path, string sourceName, long maxBytes, CancellationToken cancellationToken)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new CliException(sourceName, "not a valid file path: it contains a NUL character");
        }

        if (Directory.Exists(path))
        {
            throw new CliException(sourceName, "is a directory, not a file");
        }

        if (Output.StandardDescriptors.IsClosedInput(path))
        {
            throw new CliException(sourceName, "standard input is closed");
        }

        // The file is opened without asking first whether it exists, and the failure is said as FileImageLoader says it:
        // "file not found", "the file name is too long", "permission denied" or "cannot read the file: …".
        try
        {
            return await BoundedFileReader.ReadAsync(path, maxBytes, TooLarge, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (FileReadFailure.Describe(e) is { } reason)
        {
            throw new CliException(sourceName, reason, e);
        }

        Exception TooLarge(long? length) => new CliException(sourceName, BoundedFileReader.TooLargeReason(length, maxBytes, "this tool reads"));
    }

    /// <summary>
    /// Reads standard input to its end, up to <paramref name="maxBytes"/>, with the file reader's checks: a closed standard
    /// input is said to be one, and a pipe nobody writes to can be cancelled. On Unix through <c>/dev/stdin</c>.
    /// </summary>
    public static async Task<byte[]> ReadStandardInputAsync(long maxBytes, CancellationToken cancellationToken)
    {
        const string name = "standard input";
        if (!OperatingSystem.IsWindows())
        {
            return await ReadFileAsync("/dev/stdin", name, maxBytes, cancellationToken).ConfigureAwait(false);
        }

        // Windows has no path for it: the same bounded read, from the console's stream.
        using var stdin = Console.OpenStandardInput();
        return await BoundedFileReader.ReadToEndAsync(
            stdin,
            maxBytes,
            length => new CliException(name, BoundedFileReader.TooLargeReason(length, maxBytes, "this tool reads")),
            cancellationToken).ConfigureAwait(false);
    }

    // Through the SDK's loader, with this tool's size limit; the URL is named as typed, a long one by its start and length.
    private static async Task<byte[]> ReadDataUrlAsync(Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            var response = await new DataUrlImageLoader { MaxBytes = MaxInputBytes }.LoadAsync(new ImageLoaderRequest(uri), cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Data.ToArray();
        }
        catch (ImageLoadException e)
        {
            throw new CliException(UrlText.Describe(uri), e.Message, e);
        }
    }

    // What a missing input most likely was: a URL of a scheme this tool does not read, a URL that did not parse, or a path.
    private static string NotFoundReason(string input, Uri? uri)
    {
        if (uri is { IsFile: false })
        {
            return $"the '{uri.Scheme}' scheme is not supported (http, https, file and data URLs and file paths are)";
        }

        return LooksLikeHttpUrl(input) ? "not a valid URL" : "file not found";
    }

    private static bool LooksLikeHttpUrl(string input) =>
        input.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    // Through the SDK's downloader: retries of transient failures, a per-attempt timeout, and the size limit enforced
    // from Content-Length and while streaming. The bytes are not required to look like an image here: the decoder then
    // says what they are, as it does for files.
    private static async Task<byte[]> DownloadAsync(Uri uri, string input, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        using var downloader = new ImageDownloader(new ImageDownloaderOptions
        {
            AttemptTimeout = s_httpTimeout,
            MaxResponseBytes = MaxInputBytes,
            RequireImageContent = false,
        });
        try
        {
            var response = await downloader.DownloadAsync(new ImageDownloadRequest(uri) { Headers = headers }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Data.ToArray();
        }
        catch (ImageDownloadException e)
        {
            throw new CliException(DisplayName(input), $"download failed: {e.Message}", e);
        }
    }
}
