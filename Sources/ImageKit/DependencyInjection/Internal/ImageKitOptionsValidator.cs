using System.Globalization;
using ImageKit.Caching;
using ImageKit.Loading;
using Microsoft.Extensions.Options;

namespace ImageKit.DependencyInjection.Internal;

/// <summary>
/// Checks <see cref="ImageKitOptions"/> when the host starts and names every bad setting with its value, so a typo in
/// appsettings.json fails the start instead of the first image load.
/// </summary>
internal sealed class ImageKitOptionsValidator : IValidateOptions<ImageKitOptions>
{
    private const string Prefix = "ImageKitOptions.";

    private readonly Func<string> _defaultFolder;

    /// <summary>Checks the settings; an unset disk folder is <see cref="DiskImageCache.DefaultDirectory"/>.</summary>
    public ImageKitOptionsValidator()
        : this(static () => DiskImageCache.DefaultDirectory)
    {
    }

    /// <summary>Checks the settings; an unset disk folder is the one <paramref name="defaultFolder"/> gives (tests).</summary>
    internal ImageKitOptionsValidator(Func<string> defaultFolder) => _defaultFolder = defaultFolder;

    public ValidateOptionsResult Validate(string? name, ImageKitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        ValidateDownloader(options.Downloader, failures);
        ValidateMemory(options.MemoryCache, failures);
        ValidateDisk(options.DiskCache, failures);
        if (options.FailedUrlRetention < TimeSpan.Zero)
        {
            failures.Add(Format("FailedUrlRetention", "must not be negative", options.FailedUrlRetention));
        }

        if (options.MaxConcurrentPrefetches < 1)
        {
            failures.Add(Format("MaxConcurrentPrefetches", "must be at least 1", options.MaxConcurrentPrefetches));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateDownloader(DownloaderSettings? d, List<string> failures)
    {
        if (d is null)
        {
            failures.Add(Prefix + "Downloader must not be null.");
            return;
        }

        if (d.MaxConcurrentDownloads is < 1 or > 1024)
        {
            failures.Add(Format("Downloader.MaxConcurrentDownloads", "must be between 1 and 1024", d.MaxConcurrentDownloads));
        }

        if (!Enum.IsDefined(d.ExecutionOrder))
        {
            failures.Add(Format("Downloader.ExecutionOrder", "is not Fifo or Lifo", d.ExecutionOrder));
        }

        if (d.AttemptTimeout < TimeSpan.FromMilliseconds(10) || d.AttemptTimeout > TimeSpan.FromDays(1))
        {
            failures.Add(Format("Downloader.AttemptTimeout", "must be between 10 ms and 1 day", d.AttemptTimeout));
        }

        if (d.MaxResponseBytes is < 1 or > ImageDownloaderOptions.MaxResponseBytesLimit)
        {
            failures.Add(Format("Downloader.MaxResponseBytes", $"must be between 1 and {ImageDownloaderOptions.MaxResponseBytesLimit}", d.MaxResponseBytes));
        }

        if (d.MaxResumableBytes is < 0 or > ImageDownloaderOptions.MaxResumableBytesLimit)
        {
            failures.Add(Format("Downloader.MaxResumableBytes", $"must be between 0 and {ImageDownloaderOptions.MaxResumableBytesLimit}", d.MaxResumableBytes));
        }

        if (d.MaxRedirects is < 0 or > 100)
        {
            failures.Add(Format("Downloader.MaxRedirects", "must be between 0 and 100", d.MaxRedirects));
        }

        if (!ImageDownloaderOptions.IsSupportedHttpVersion(d.MaxHttpVersion))
        {
            failures.Add(Format("Downloader.MaxHttpVersion", "must be 1.0, 1.1, 2.0 or 3.0", d.MaxHttpVersion));
        }

        // The nested option types carry their own range rules; report them under their configuration path.
        Check("Downloader.Retry", () => d.Retry.Validate(), d.Retry is null, failures);
        Check("Downloader.CircuitBreaker", () => d.CircuitBreaker.Validate(), d.CircuitBreaker is null, failures);
    }

    private static void ValidateMemory(MemoryCacheSettings? m, List<string> failures)
    {
        if (m is null)
        {
            failures.Add(Prefix + "MemoryCache must not be null.");
            return;
        }

        if (m.MaxBytes is < 0)
        {
            failures.Add(Format("MemoryCache.MaxBytes", "must not be negative", m.MaxBytes));
        }

        if (m.MaxCount < 0)
        {
            failures.Add(Format("MemoryCache.MaxCount", "must not be negative", m.MaxCount));
        }
    }

    private void ValidateDisk(DiskCacheSettings? d, List<string> failures)
    {
        if (d is null)
        {
            failures.Add(Prefix + "DiskCache must not be null.");
            return;
        }

        if (d.MaxSizeBytes < 0)
        {
            failures.Add(Format("DiskCache.MaxSizeBytes", "must not be negative (0 means no limit)", d.MaxSizeBytes));
        }

        if (d.MaxInlineBytes is < 0 or > DiskImageCacheOptions.MaxInlineBytesLimit)
        {
            failures.Add(Format("DiskCache.MaxInlineBytes", "must be between 0 and 16 MiB (0 means every entry in its own file)", d.MaxInlineBytes));
        }

        if (d.MaxAge < TimeSpan.Zero && d.MaxAge != Timeout.InfiniteTimeSpan)
        {
            failures.Add(Format("DiskCache.MaxAge", "must not be negative (zero means forever)", d.MaxAge));
        }

        if (!Enum.IsDefined(d.ExpiryBasis))
        {
            failures.Add(Format("DiskCache.ExpiryBasis", "is not LastAccess or Stored", d.ExpiryBasis));
        }

        if (!d.Enabled)
        {
            return;
        }

        // The default folder is checked as a configured one is: the cache would fail on it at the first load instead.
        // With OpenInBackground an unusable folder leaves the cache memory-only (logged), as documented, so only a
        // malformed setting fails the start then.
        var folder = d.Folder ?? _defaultFolder();
        var problem = d.Folder is not null ? SettingProblem(d.Folder) : null;
        problem ??= d.OpenInBackground ? null : WriteProblem(folder);
        if (problem is not null)
        {
            var setting = d.Folder is null ? "DiskCache.Folder (unset: the default folder)" : "DiskCache.Folder";
            failures.Add($"{Prefix}{setting} {problem} (was '{folder}').");
        }
    }

    private static string? SettingProblem(string folder)
    {
        if (string.IsNullOrWhiteSpace(folder))
        {
            return "must not be empty (leave it unset for the default folder)";
        }

        return Path.IsPathFullyQualified(folder) ? null : "must be an absolute path";
    }

    private static string? WriteProblem(string folder)
    {
        // Creating the folder and a file in it is the only reliable test of write access (ACLs, read-only mounts).
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".imagekit-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return $"is not writable: {e.Message}";
        }
    }

    private static void Check(string path, Action validate, bool isNull, List<string> failures)
    {
        if (isNull)
        {
            failures.Add($"{Prefix}{path} must not be null.");
            return;
        }

        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            // The nested messages name the property relative to the downloader ("Retry.MaxRetries must be ...").
            var message = e.Message.Split('\n')[0].Split(" (Parameter")[0];
            failures.Add($"{Prefix}{path}: {message}");
        }
    }

    private static string Format(string path, string rule, object? value) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{path} {rule} (was {value}).");
}
