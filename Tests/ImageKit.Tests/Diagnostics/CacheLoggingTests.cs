using ImageKit.Caching;
using ImageKit.Diagnostics;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ImageKit.Tests.Diagnostics;

[TestClass]
public sealed class CacheLoggingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task StoreAsync_OverTheDiskLimit_LogsTrimAtInformation()
    {
        using var folder = new TempFolder();
        var collector = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        await using var cache = new ImageCache(new ImageCacheOptions
        {
            Disk = new DiskImageCacheOptions { Directory = folder.Path, MaxSizeBytes = 10_000 },
            LoggerFactory = loggers,
        });

        for (var i = 0; i < 4; i++)
        {
            await cache.StoreAsync($"key{i}", null, new byte[4_000], cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);
        }

        var trims = collector.GetSnapshot().Where(r => r.Id.Id == 3001).ToList();
        Assert.IsNotEmpty(trims);
        Assert.IsTrue(trims.All(r => r.Level == LogLevel.Information && r.Category == ImageKitDiagnostics.CachingCategory));
        Assert.Contains("least recently used entries removed", trims[0].Message);
    }

    [TestMethod]
    public async Task TrimAsync_NothingToRemove_LogsNothing()
    {
        using var folder = new TempFolder();
        var collector = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        await using var cache = new ImageCache(new ImageCacheOptions
        {
            Disk = new DiskImageCacheOptions { Directory = folder.Path },
            LoggerFactory = loggers,
        });
        await cache.StoreAsync("key", null, new byte[100], cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);

        await cache.Disk!.TrimAsync(cancellationToken: TestContext.CancellationToken);

        Assert.IsEmpty(collector.GetSnapshot());
    }
}
