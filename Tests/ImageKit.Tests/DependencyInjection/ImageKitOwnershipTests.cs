using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace ImageKit.Tests.DependencyInjection;

/// <summary>What the container disposes: what it created, never what the application registered as an instance.</summary>
[TestClass]
public sealed class ImageKitOwnershipTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AddImageKit_ImageCacheInstanceRegisteredBefore_StaysUsableAfterTheContainerIsDisposed()
    {
        using var folder = new TempFolder();
        await using var cache = new ImageCache(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Combine("cache") } });
        var services = new ServiceCollection().AddSingleton(cache).AddImageKit().BuildServiceProvider();
        Assert.AreSame(cache, services.GetRequiredService<ImageManager>().Cache);

        await services.DisposeAsync();

        var stats = await cache.Disk!.GetStatisticsAsync(TestContext.CancellationToken);
        Assert.AreEqual(0, stats.EntryCount);
    }

    [TestMethod]
    public async Task AddImageKit_ContainerCreatedCache_IsDisposedWithTheContainer()
    {
        using var folder = new TempFolder();
        var services = new ServiceCollection().AddImageKit(o => o.DiskCache.Folder = folder.Combine("cache")).BuildServiceProvider();
        var cache = services.GetRequiredService<ImageCache>();
        _ = services.GetRequiredService<ImageManager>();

        await services.DisposeAsync();

        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => cache.Disk!.GetStatisticsAsync(TestContext.CancellationToken));
    }
}
