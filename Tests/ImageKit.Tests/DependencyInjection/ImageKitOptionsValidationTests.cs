using ImageKit.DependencyInjection;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ImageKit.Tests.DependencyInjection;

[TestClass]
public sealed class ImageKitOptionsValidationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task StartAsync_InvalidSettings_FailsWithOneMessagePerSetting()
    {
        var e = await StartExpectingFailureAsync(o =>
        {
            o.Downloader.MaxConcurrentDownloads = 0;
            o.Downloader.Retry.MaxRetries = -1;
            o.Downloader.MaxHttpVersion = new Version(1, 2);
            o.Downloader.MaxResumableBytes = -1;
            o.MemoryCache.MaxBytes = -5;
            o.DiskCache.MaxSizeBytes = -1;
            o.DiskCache.MaxInlineBytes = -1;
            o.DiskCache.Folder = "relative/cache";
            o.DiskCache.ExpiryBasis = (ImageKit.Caching.DiskCacheExpiryBasis)99;
            o.MaxConcurrentPrefetches = 0;
        });

        CollectionAssert.AreEquivalent(
            new[]
            {
                "ImageKitOptions.Downloader.MaxConcurrentDownloads must be between 1 and 1024 (was 0).",
                "ImageKitOptions.Downloader.Retry: Retry.MaxRetries must be between 0 and 100.",
                "ImageKitOptions.Downloader.MaxHttpVersion must be 1.0, 1.1, 2.0 or 3.0 (was 1.2).",
                "ImageKitOptions.Downloader.MaxResumableBytes must be between 0 and 1073741824 (was -1).",
                "ImageKitOptions.MemoryCache.MaxBytes must not be negative (was -5).",
                "ImageKitOptions.DiskCache.MaxSizeBytes must not be negative (0 means no limit) (was -1).",
                "ImageKitOptions.DiskCache.MaxInlineBytes must be between 0 and 16 MiB (0 means every entry in its own file) (was -1).",
                "ImageKitOptions.DiskCache.Folder must be an absolute path (was 'relative/cache').",
                "ImageKitOptions.DiskCache.ExpiryBasis is not LastAccess or Stored (was 99).",
                "ImageKitOptions.MaxConcurrentPrefetches must be at least 1 (was 0).",
            },
            e.Failures.ToArray());
    }

    [TestMethod]
    public async Task StartAsync_OtherInvalidSettings_FailWithOneMessagePerSetting()
    {
        var e = await StartExpectingFailureAsync(o =>
        {
            o.Downloader.ExecutionOrder = (ImageKit.Loading.DownloadExecutionOrder)7;
            o.Downloader.AttemptTimeout = TimeSpan.FromMilliseconds(1);
            o.Downloader.MaxResponseBytes = 0;
            o.Downloader.MaxRedirects = 101;
            o.Downloader.CircuitBreaker.FailureRatio = 0;
            o.MemoryCache.MaxCount = -1;
            o.DiskCache.MaxAge = TimeSpan.FromSeconds(-1);
            o.DiskCache.Folder = " ";
            o.FailedUrlRetention = TimeSpan.FromSeconds(-1);
        });

        CollectionAssert.AreEquivalent(
            new[]
            {
                "ImageKitOptions.Downloader.ExecutionOrder is not Fifo or Lifo (was 7).",
                "ImageKitOptions.Downloader.AttemptTimeout must be between 10 ms and 1 day (was 00:00:00.0010000).",
                "ImageKitOptions.Downloader.MaxResponseBytes must be between 1 and 2147483591 (was 0).",
                "ImageKitOptions.Downloader.MaxRedirects must be between 0 and 100 (was 101).",
                "ImageKitOptions.Downloader.CircuitBreaker: CircuitBreaker.FailureRatio must be greater than 0 and at most 1.",
                "ImageKitOptions.MemoryCache.MaxCount must not be negative (was -1).",
                "ImageKitOptions.DiskCache.MaxAge must not be negative (zero means forever) (was -00:00:01).",
                "ImageKitOptions.DiskCache.Folder must not be empty (leave it unset for the default folder) (was ' ').",
                "ImageKitOptions.FailedUrlRetention must not be negative (was -00:00:01).",
            },
            e.Failures.ToArray());
    }

    [TestMethod]
    public async Task StartAsync_SectionsSetToNull_FailSayingWhichOne()
    {
        var e = await StartExpectingFailureAsync(o =>
        {
            o.Downloader = null!;
            o.MemoryCache = null!;
            o.DiskCache = null!;
        });

        CollectionAssert.AreEquivalent(
            new[]
            {
                "ImageKitOptions.Downloader must not be null.",
                "ImageKitOptions.MemoryCache must not be null.",
                "ImageKitOptions.DiskCache must not be null.",
            },
            e.Failures.ToArray());
    }

    [TestMethod]
    public async Task StartAsync_FolderUnderAFile_FailsAsNotWritable()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("file");
        await File.WriteAllTextAsync(file, "x", TestContext.CancellationToken);
        var cache = Path.Combine(file, "cache");

        var e = await StartExpectingFailureAsync(o => o.DiskCache.Folder = cache);

        var failure = e.Failures.Single();
        Assert.StartsWith("ImageKitOptions.DiskCache.Folder is not writable: ", failure);
        Assert.EndsWith($"(was '{cache}').", failure);
    }

    [TestMethod]
    public async Task StartAsync_ValidSettings_Starts()
    {
        using var folder = new TempFolder();
        using var host = BuildHost(o => o.DiskCache.Folder = folder.Combine("cache"));

        await host.StartAsync(TestContext.CancellationToken);
        await host.StopAsync(TestContext.CancellationToken);

        Assert.IsTrue(Directory.Exists(folder.Combine("cache")));
        Assert.IsEmpty(Directory.GetFiles(folder.Combine("cache"), ".imagekit-probe-*"));
    }

    // A misspelt key was ignored without a word: the host started on the default it meant to change.
    [TestMethod]
    [DataRow("ImageKit:Downloader:MaxConcurentDownloads", "MaxConcurentDownloads")]
    [DataRow("ImageKit:Downloader:Retry:MaxRetry", "MaxRetry")]
    [DataRow("ImageKit:DiskCahce:Enabled", "DiskCahce")]
    public async Task StartAsync_UnknownKeyInTheBoundSection_FailsNamingIt(string key, string name)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImageKit:DiskCache:Enabled"] = "false",
            [key] = "2",
        }).Build();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddImageKit(configuration.GetSection(ImageKitDefaults.ConfigurationSectionName));
        using var host = builder.Build();

        var e = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => host.StartAsync(TestContext.CancellationToken));

        Assert.Contains($"'{name}'", e.Message);
    }

    private async Task<OptionsValidationException> StartExpectingFailureAsync(Action<ImageKitOptions> configure)
    {
        using var host = BuildHost(configure);
        return await Assert.ThrowsExactlyAsync<OptionsValidationException>(() => host.StartAsync(TestContext.CancellationToken));
    }

    private static IHost BuildHost(Action<ImageKitOptions> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddImageKit(configure);
        return builder.Build();
    }
}
