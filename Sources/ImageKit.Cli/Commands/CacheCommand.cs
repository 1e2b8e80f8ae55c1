using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Cli.Diagnostics;
using ImageKit.Cli.Input;
using ImageKit.Cli.Output;
using ImageKit.Diagnostics;
using ImageKit.Diagnostics.Internal;
using ImageKit.Internal;

namespace ImageKit.Cli.Commands;

/// <summary>
/// <c>imagekit cache stats|clear|trim [--cache-dir DIR] [--max-size BYTES] [--max-age DAYS] [--json]</c>: look after the
/// disk cache (by default <see cref="DiskImageCache.DefaultDirectory"/>).
/// </summary>
internal static class CacheCommand
{
    public static Command Create(TextWriter stdout)
    {
        return new Command("cache", "Show, clear or trim the disk cache.")
        {
            CreateStats(stdout),
            CreateClear(stdout),
            CreateTrim(stdout),
        };
    }

    private static Command CreateStats(TextWriter stdout)
    {
        var (directory, json) = (DirectoryOption(), JsonOption());
        var command = new Command("stats", "Print the number of entries and their total bytes.") { directory, json };
        command.SetAction((parse, cancellationToken) => OnFolderAsync(parse.GetValue(directory), async () =>
        {
            // A folder without an index holds no entries: a look at it creates no cache there (no index, no folders).
            await using var cache = Open(parse.GetValue(directory), TimeSpan.Zero, onlyWithIndex: true);
            var stats = cache is null ? new DiskCacheStatistics(0, 0, 0, 0) : await cache.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
            var path = cache?.Directory ?? Path.GetFullPath(PathOf(parse.GetValue(directory)));
            var text = parse.GetValue(json)
                ? Json(w =>
                {
                    w.WriteNumber("entries", stats.EntryCount);
                    w.WriteNumber("bytes", stats.TotalBytes);
                })
                : string.Create(CultureInfo.InvariantCulture, $"{TerminalText.Printable(path)}\n  entries  {stats.EntryCount:N0}\n  bytes    {stats.TotalBytes:N0} ({Quantity.Size(stats.TotalBytes)})\n");
            await WriteAsync(stdout, text, cancellationToken).ConfigureAwait(false);
            return CliApp.Success;
        }));
        return command;
    }

    private static Command CreateClear(TextWriter stdout)
    {
        var (directory, json) = (DirectoryOption(), JsonOption());
        var command = new Command("clear", "Remove every entry.") { directory, json };
        command.SetAction((parse, cancellationToken) => OnFolderAsync(parse.GetValue(directory), async () =>
        {
            await using var cache = Open(parse.GetValue(directory), TimeSpan.Zero);
            var before = await cache.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
            await cache.ClearAsync(cancellationToken).ConfigureAwait(false);
            var text = parse.GetValue(json)
                ? Json(w =>
                {
                    w.WriteNumber("removedEntries", before.EntryCount);
                    w.WriteNumber("removedBytes", before.TotalBytes);
                })
                : string.Create(CultureInfo.InvariantCulture, $"{TerminalText.Printable(cache.Directory)}: removed {Quantity.Of(before.EntryCount, "entry", "entries")} ({Quantity.Size(before.TotalBytes)})\n");
            await WriteAsync(stdout, text, cancellationToken).ConfigureAwait(false);
            return CliApp.Success;
        }));
        return command;
    }

    private static Command CreateTrim(TextWriter stdout)
    {
        var (directory, json) = (DirectoryOption(), JsonOption());
        var maxSize = new Option<string?>("--max-size") { Description = "Remove least recently used entries until the cache is at 80 % of this many bytes, if it is over (0 = no size limit; `cache clear` empties it). Default: no size limit." };
        var maxAge = new Option<string?>("--max-age") { Description = "Remove entries not used for this many days (fractions allowed; 0 = keep all). Default: 7." };
        var command = new Command("trim", "Remove expired entries, then least recently used ones over a size limit.") { directory, maxSize, maxAge, json };
        command.SetAction((parse, cancellationToken) => OnFolderAsync(parse.GetValue(directory), async () =>
        {
            var size = ParseSize(parse.GetValue(maxSize));
            var age = ParseDays(parse.GetValue(maxAge));
            await using var cache = Open(parse.GetValue(directory), age);
            var result = await cache.TrimAsync(size ?? 0, age, cancellationToken).ConfigureAwait(false);
            var stats = await cache.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
            var text = parse.GetValue(json)
                ? Json(w =>
                {
                    w.WriteNumber("expiredRemoved", result.ExpiredRemoved);
                    w.WriteNumber("sizeRemoved", result.SizeRemoved);
                    w.WriteNumber("bytesFreed", result.BytesFreed);
                    w.WriteNumber("entries", stats.EntryCount);
                    w.WriteNumber("bytes", stats.TotalBytes);
                })
                : string.Create(CultureInfo.InvariantCulture,
                    $"{TerminalText.Printable(cache.Directory)}: removed {result.ExpiredRemoved:N0} expired and {Quantity.Of(result.SizeRemoved, "least recently used entry", "least recently used entries")}, freed {Quantity.Size(result.BytesFreed)}; {Quantity.Of(stats.EntryCount, "entry", "entries")} ({Quantity.Size(stats.TotalBytes)}) {(stats.EntryCount == 1 ? "remains" : "remain")}\n");
            await WriteAsync(stdout, text, cancellationToken).ConfigureAwait(false);
            return CliApp.Success;
        }));
        return command;
    }

    // Runs a command on the cache folder: whatever it meets there is one line that names the option, as the commands' own
    // checks (see OpenExisting) and the CLI's other option errors do: "--cache-dir: <the folder or file>: <reason>". The
    // disk cache names the folder (or its index) as the error's source, which was the line's prefix in place of the option.
    private static async Task<int> OnFolderAsync(DirectoryInfo? directory, Func<Task<int>> run)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (Exception e) when (CacheDirError(e, PathOf(directory)) is { } error)
        {
            throw error;
        }
    }

    /// <summary>
    /// The line for <paramref name="e"/>, met using the cache folder <paramref name="folder"/> that <c>--cache-dir</c> named
    /// (or left at its default): <c>--cache-dir: &lt;the folder, or the file the cache named&gt;: &lt;reason&gt;</c>;
    /// <see langword="null"/> for an exception that is no failure of the folder.
    /// </summary>
    internal static CliException? CacheDirError(Exception e, string folder) => e switch
    {
        ImageKitException k => new CliException("--cache-dir", $"{(string.IsNullOrEmpty(k.SourceName) ? folder : k.SourceName)}: {k.Message}", e),
        UnauthorizedAccessException => new CliException("--cache-dir", $"cannot use the cache folder {folder}: permission denied", e),
        IOException => new CliException("--cache-dir", $"cannot use the cache folder {folder}: {e.Message}", e),
        Microsoft.Data.Sqlite.SqliteException sqlite => new CliException("--cache-dir", $"cannot use the cache folder {folder}: {IndexDatabase.Describe(sqlite)}", e),
        _ => null,
    };

    internal static long? ParseSize(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return NumberOption.Whole(
            "--max-size", text, 0, long.MaxValue, "a number of bytes (a whole number, 0 or more)", string.Create(CultureInfo.InvariantCulture, $"between 0 and {long.MaxValue:N0} bytes"));
    }

    internal static TimeSpan? ParseDays(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var days = NumberOption.Decimal(
            "--max-age", text, 0, MaxDays, "a number of days (0 or more)", string.Create(CultureInfo.InvariantCulture, $"between 0 and {MaxDays:N0} days"));

        // An age above 0 that is less than a tick would become zero, which keeps every entry: the least age is one tick.
        var age = TimeSpan.FromDays(days);
        return days > 0 && age == TimeSpan.Zero ? TimeSpan.FromTicks(1) : age;
    }

    // The most days a TimeSpan holds (10,675,199.1…), in whole days.
    private const double MaxDays = 10_675_199;

    // These commands look after an existing cache: they never create one over someone else's files, nor let the cache's
    // self-healing replace a damaged index (the user should see that).
    private static DiskImageCache Open(DirectoryInfo? directory, TimeSpan? maxAge) => Open(directory, maxAge, onlyWithIndex: false)!;

    // With onlyWithIndex, a folder that passes the checks but has no index yet (empty, or a cache whose index was
    // deleted) is not opened: null.
    private static DiskImageCache? Open(DirectoryInfo? directory, TimeSpan? maxAge, bool onlyWithIndex)
    {
        var path = PathOf(directory);
        try
        {
            return OpenExisting(path, maxAge, onlyWithIndex);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException("--cache-dir", $"cannot use the cache folder {path}: permission denied", e);
        }
        catch (IOException e)
        {
            throw new CliException("--cache-dir", $"cannot use the cache folder {path}: {e.Message}", e);
        }
    }

    private static string PathOf(DirectoryInfo? directory) => directory?.FullName ?? DiskImageCache.DefaultDirectory;

    private static DiskImageCache? OpenExisting(string path, TimeSpan? maxAge, bool onlyWithIndex)
    {
        FolderOption.EnsureFolderOrNothing("--cache-dir", path);
        if (!Directory.Exists(path))
        {
            throw new CliException("--cache-dir", $"no disk cache at {path}: {FolderCreation.FileInTheWay(path) ?? "the folder does not exist"}");
        }

        var index = Path.Combine(path, "index.sqlite");
        if (Directory.Exists(index))
        {
            // Not a missing index: `stats` would report an empty cache, and clear/trim fail with SQLite's bare "unable to
            // open database file".
            throw new CliException("--cache-dir", $"{index} is a folder, not a cache index; delete it (or the cache folder) to start a new cache");
        }

        if (new FileInfo(index) is { LinkTarget: { } target } link && link.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
        {
            // A symbolic link to nothing (File.Exists says true of it): not an index to open ("could not find file" of a name
            // that is there), nor one to create through the link.
            throw new CliException("--cache-dir", $"{index} is a symbolic link to {target}, which does not exist; delete the link (or the cache folder) to start a new cache");
        }

        if (!File.Exists(index))
        {
            // A cache whose index was deleted (as the damaged-index message advises) still holds only its own files
            // (blobs/, tmp/, index.lock): the SDK opens it as a cache, and so do these commands.
            if (Directory.EnumerateFileSystemEntries(path).Any(static entry => !DiskImageCache.IsCacheOwnEntry(entry)))
            {
                throw new CliException("--cache-dir", $"{path} is not an ImageKit disk cache: it has no index.sqlite, and it holds other files");
            }

            if (onlyWithIndex)
            {
                return null;
            }
        }
        else if (FileKind.IsSpecial(index) == true)
        {
            // Opened to read its header, a FIFO would block until some process wrote to it: the command would hang.
            throw new CliException("--cache-dir", $"{index} is a device, FIFO or socket, not a cache index; delete it (or the folder) to start a new cache");
        }
        else if (!IsSqliteFile(index))
        {
            throw new CliException("--cache-dir", $"{index} is not a SQLite database, so not a cache index; delete it (or the folder) to start a new cache");
        }
        else if (Damage(index) is { } damage)
        {
            // Opened, the cache would rebuild the index and its sweep would then delete every stored file.
            throw new CliException("--cache-dir", $"{index} is damaged ({damage}); delete it (or the folder) to start a new cache");
        }

        var options = new DiskImageCacheOptions { Directory = path };
        if (maxAge is { } age)
        {
            options.MaxAge = age;
        }

        // As the ImageCache of fetch does: --verbose logs the trims (and a reset of times written by a clock that ran ahead).
        return new DiskImageCache(options)
        {
            Logger = ContainedLogger.Create(CliDiagnostics.Current.LoggerFactory, ImageKitDiagnostics.CachingCategory),
        };
    }

    // What SQLite's quick_check finds wrong with an index whose header is fine (damaged pages, a cut-off file), read-only.
    // An index it cannot read for another reason (an I/O error, a side file it cannot open, another process's lock past
    // the timeout) is said to be one, with the system's reason: the cache is left as it is.
    private static string? Damage(string index)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = index,
            Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check(1)";
            var result = command.ExecuteScalar() as string;
            return result == "ok" ? null : result ?? "quick_check gave no answer";
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (IndexDatabase.NoteSystemError(e, connection))
        {
            throw; // not reached: NoteSystemError returns false
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode is 11 or 26)
        {
            return e.Message; // SQLITE_CORRUPT, SQLITE_NOTADB
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when ((e.SqliteErrorCode & 0xFF) is 14 or 8 && DiskImageCache.WhyNoFilesIn(Path.GetDirectoryName(index)!) is { } reason)
        {
            // SQLITE_CANTOPEN or SQLITE_READONLY in a folder that takes no new file (another user's cache, a read-only
            // volume): said as fetch says it, not as SQLite's bare "attempt to write a readonly database".
            var folder = Path.GetDirectoryName(index)!;
            throw new CliException("--cache-dir", $"cannot read the cache index {index}: {DiskImageCache.NoFilesReason(folder, reason)}: {IndexDatabase.Describe(e)}", e);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new CliException("--cache-dir", $"cannot read the cache index {index}: {IndexDatabase.Describe(e)}", e);
        }
    }

    private static bool IsSqliteFile(string path)
    {
        Span<byte> header = stackalloc byte[16];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.SequenceEqual("SQLite format 3\0"u8);
    }

    private static Option<DirectoryInfo?> DirectoryOption() => new("--cache-dir") { Description = CacheDirDescription };

    /// <summary>The help of every <c>--cache-dir</c> that defaults to <see cref="DiskImageCache.DefaultDirectory"/>, which it names.</summary>
    internal static string CacheDirDescription => $"The disk cache folder. Default: {DiskImageCache.DefaultDirectory} (the per-user cache folder).";

    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON object instead of text." };

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static async Task WriteAsync(TextWriter stdout, string text, CancellationToken cancellationToken)
    {
        await stdout.WriteAsync(text).ConfigureAwait(false);
        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
