using System.CommandLine;
using System.Globalization;
using System.Text;
using ImageKit.Caching;
using ImageKit.Cli.Diagnostics;
using ImageKit.Cli.Fetching;
using ImageKit.Cli.Input;
using ImageKit.Internal;
using ImageKit.Loading;
using Spectre.Console;

namespace ImageKit.Cli.Commands;

/// <summary>
/// <c>imagekit fetch</c>: loads URLs through the full pipeline (memory → disk → network → decode → store), with a live
/// progress bar on a terminal and a summary, or one JSON object. Exit 0 when every URL loaded, 1 when any failed.
/// </summary>
internal static class FetchCommand
{
    public static Command Create(TextWriter stdout, Func<bool> stdoutIsTerminal)
    {
        var urls = new Argument<string[]>("url") { Description = "Image URLs (http, https, file or data).", Arity = ArgumentArity.ZeroOrMore };
        var list = new Option<FileInfo?>("--list") { Description = "A file of URLs, one per line (blank lines and # comments ignored); - reads them from standard input." };
        var cacheDir = new Option<DirectoryInfo?>("--cache-dir") { Description = CacheCommand.CacheDirDescription };
        var concurrency = new Option<string>("--concurrency") { Description = "How many URLs load at once (1 to 256).", DefaultValueFactory = _ => "6" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every result and the summary." };
        var header = RequestHeaders.CreateOption("every URL's request (the caches still answer by URL)");
        var command = new Command("fetch", "Load images through the full pipeline into the caches and report where each came from.")
        {
            urls, list, cacheDir, concurrency, json, header,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            // Options before the URLs they apply to: a bad option value is the usage error, whatever the URLs hold.
            var parallel = (int)NumberOption.Whole("--concurrency", parse.GetRequiredValue(concurrency), 1, MaxConcurrency, "a whole number", $"between 1 and {MaxConcurrency}");

            var headers = RequestHeaders.Parse(parse.GetValue(header) ?? []);
            var directory = parse.GetValue(cacheDir)?.FullName ?? DiskImageCache.DefaultDirectory;
            FolderOption.EnsureFolderOrNothing("--cache-dir", directory);
            var options = headers is null ? FetchRunner.LoadOptions : FetchRunner.LoadOptions with { Headers = headers };
            var targets = await CollectUrlsAsync(parse.GetValue(urls) ?? [], parse.GetValue(list), cancellationToken).ConfigureAwait(false);

            await using var manager = CreateManager(directory, parallel, namedByOption: true);
            var asJson = parse.GetValue(json);
            var summary = !asJson && stdoutIsTerminal()
                ? await RunWithProgressBarAsync(manager, targets, parallel, options, stdout, cancellationToken).ConfigureAwait(false)
                : await FetchRunner.RunAsync(manager, targets, parallel, null, cancellationToken, options).ConfigureAwait(false);
            await stdout.WriteAsync(asJson ? summary.ToJson() : summary.ToText()).ConfigureAwait(false);
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return summary.AnyFailed ? CliApp.PartialFailure : CliApp.Success;
        });

        return command;
    }

    /// <summary>The manager fetch and the demo load with: the disk cache in <paramref name="cacheDirectory"/>, the CLI's diagnostics.</summary>
    /// <param name="cacheDirectory">The disk cache's folder.</param>
    /// <param name="concurrency">How many downloads run at once.</param>
    /// <param name="namedByOption">
    /// Whether <c>--cache-dir</c> named the folder (or left it at its default): a folder that cannot be used is then said
    /// as <c>imagekit cache</c> says it (<c>imagekit: --cache-dir: …</c>, see <see cref="CacheCommand.CacheDirError"/>);
    /// otherwise by the folder (the demo's own work folder, which the demo removes and then says so).
    /// </param>
    internal static ImageManager CreateManager(string cacheDirectory, int concurrency, bool namedByOption = false)
    {
        try
        {
            var diagnostics = CliDiagnostics.Current;
            return new ImageManager(
                new ImageCacheOptions
                {
                    Disk = new DiskImageCacheOptions { Directory = cacheDirectory },
                    LoggerFactory = diagnostics.LoggerFactory,
                    MeterFactory = diagnostics.MeterFactory,
                },
                new ImageDownloaderOptions
                {
                    MaxConcurrentDownloads = concurrency,
                    LoggerFactory = diagnostics.LoggerFactory,
                    MeterFactory = diagnostics.MeterFactory,
                },
                new ImageManagerOptions { LoggerFactory = diagnostics.LoggerFactory, MeterFactory = diagnostics.MeterFactory });
        }
        catch (Exception e) when (namedByOption && e is DiskCacheException or UnauthorizedAccessException or IOException)
        {
            throw CacheCommand.CacheDirError(e, cacheDirectory)!;
        }
        catch (DiskCacheException e)
        {
            throw new CliException(cacheDirectory, e.Message, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException(cacheDirectory, "cannot use the cache folder: permission denied", e);
        }
        catch (IOException e)
        {
            throw new CliException(cacheDirectory, $"cannot use the cache folder: {e.Message}", e);
        }
    }

    /// <summary>The schemes the tool's manager has loaders for.</summary>
    private static readonly HashSet<string> s_schemes = new(StringComparer.OrdinalIgnoreCase) { "http", "https", "file", "data" };

    /// <summary>The most URLs loaded at once.</summary>
    private const int MaxConcurrency = 256;

    /// <summary>The largest URL list read (about a million URLs).</summary>
    private const long MaxListBytes = 64L * 1024 * 1024;

    private static async Task<List<Uri>> CollectUrlsAsync(string[] arguments, FileInfo? list, CancellationToken cancellationToken)
    {
        // Each with its line in the list (0 for an argument), for the error that names a bad one.
        var texts = arguments.Select(static text => (Text: text, Line: 0)).ToList();
        if (list?.ToString() == InputReader.StandardInput)
        {
            byte[] piped;
            try
            {
                piped = await InputReader.ReadStandardInputAsync(MaxListBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (CliException e)
            {
                throw new CliException(e.SourceName, $"cannot read the list: {e.Message}", e);
            }

            await AddLinesAsync(texts, piped, cancellationToken).ConfigureAwait(false);
        }
        else if (list is not null)
        {
            if (Directory.Exists(list.FullName))
            {
                throw new CliException(list.FullName, "is a directory, not a list file");
            }

            // Bounded, and a FIFO or pipe (fetch --list <(…)) works and can be cancelled: see InputReader.ReadFileAsync.
            // Opened without asking first whether it exists (FileInfo.Exists says false for any failure).
            byte[] bytes;
            try
            {
                bytes = await InputReader.ReadFileAsync(list.FullName, list.FullName, MaxListBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (CliException e) when (FileReadFailure.IsNotFound(e.InnerException))
            {
                throw new CliException(e.SourceName, "list file not found", e);
            }
            catch (CliException e)
            {
                throw new CliException(e.SourceName, $"cannot read the list: {e.Message}", e);
            }

            await AddLinesAsync(texts, bytes, cancellationToken).ConfigureAwait(false);
        }

        if (texts.Count == 0)
        {
            throw list is null ? CliException.Usage("give at least one URL, or --list FILE")
                : list.ToString() == InputReader.StandardInput ? new CliException("standard input", "the list has no URLs")
                : new CliException(list.FullName, "the list file has no URLs");
        }

        var urls = new List<Uri>(texts.Count);
        foreach (var (text, line) in texts)
        {
            // Named by its start and length when long (a list that is no list, an image given by mistake, has a first "line"
            // thousands of characters long), its secrets hidden, and by its line in the list: the start may not find it.
            var where = line > 0 ? string.Create(CultureInfo.InvariantCulture, $"line {line:N0} of the list: ") : string.Empty;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
            {
                throw new CliException(UrlText.DescribeNonUrl(text), where + "not an absolute URL (http, https, file or data)");
            }

            // The tool registers no other loader: another scheme is bad input, as in inspect, not a failed load.
            if (!s_schemes.Contains(url.Scheme))
            {
                throw new CliException(UrlText.DescribeNonUrl(text), where + $"the '{url.Scheme}' scheme is not supported (http, https, file and data URLs are)");
            }

            urls.Add(url);
        }

        return urls;
    }

    // As File.ReadAllLines: a byte order mark says the encoding (UTF-8 otherwise), lines end at \n, \r\n or \r; blank
    // lines and # comments are skipped.
    private static async Task AddLinesAsync(List<(string Text, int Line)> texts, byte[] bytes, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        for (var number = 1; await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line; number++)
        {
            var text = line.Trim();
            if (text.Length > 0 && !text.StartsWith('#'))
            {
                texts.Add((text, number));
            }
        }
    }

    private static async Task<FetchSummary> RunWithProgressBarAsync(ImageManager manager, List<Uri> urls, int concurrency, ImageLoadOptions options, TextWriter stdout, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        FetchSummary? summary = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("fetching", maxValue: urls.Count);
                summary = await FetchRunner.RunAsync(manager, urls, concurrency, _ => task.Increment(1), cancellationToken, options).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return summary!;
    }
}
