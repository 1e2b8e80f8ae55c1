using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A disposed <see cref="ImageCache"/> answers as its memory tier does (see <see cref="MemoryImageCache"/>'s remarks), with
/// or without a disk tier: lookups and stores throw <see cref="ObjectDisposedException"/>, while
/// <see cref="ImageCache.ContainsAsync"/>, <see cref="ImageCache.RemoveAsync"/> and <see cref="ImageCache.ClearAsync"/> see
/// an empty cache, so that clean-up code racing a shutdown needs no guard.
/// </summary>
[TestClass]
public sealed class ImageCacheDisposeTests
{
    public TestContext TestContext { get; set; } = null!;

    private static ImageCache NewCache(TempFolder? folder) => new(new ImageCacheOptions
    {
        Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
        Disk = folder is null ? null : new DiskImageCacheOptions { Directory = folder.Path },
    });

    [TestMethod]
    [DataRow(false, DisplayName = "memory only")]
    [DataRow(true, DisplayName = "memory and disk")]
    public async Task Disposed_ContainsRemoveAndClear_SeeAnEmptyCache(bool withDisk)
    {
        using var folder = withDisk ? new TempFolder() : null;
        var cache = NewCache(folder);
        await cache.StoreAsync("k", image: null, Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        cache.Dispose();

        Assert.AreEqual(ImageCacheType.None, await cache.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
        Assert.IsFalse(await cache.RemoveAsync("k", cancellationToken: TestContext.CancellationToken));
        await cache.ClearAsync(cancellationToken: TestContext.CancellationToken);
    }

    [TestMethod]
    [DataRow(false, ImageCacheType.All, DisplayName = "memory only")]
    [DataRow(false, ImageCacheType.Disk, DisplayName = "memory only, disk tier asked")]
    [DataRow(true, ImageCacheType.All, DisplayName = "memory and disk")]
    [DataRow(true, ImageCacheType.Disk, DisplayName = "memory and disk, disk tier asked")]
    public async Task Disposed_LookupsAndStores_ThrowObjectDisposed(bool withDisk, ImageCacheType tiers)
    {
        using var folder = withDisk ? new TempFolder() : null;
        var cache = NewCache(folder);
        cache.Dispose();
        using var image = TestAnimation.Image(1);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => cache.QueryAsync("k", tiers, cancellationToken: TestContext.CancellationToken));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => cache.StoreAsync("k", image, new byte[] { 1, 2, 3 }, cacheType: tiers, cancellationToken: TestContext.CancellationToken));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => cache.GetEncodedAsync("k", TestContext.CancellationToken));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => cache.UpdateMetadataAsync("k", new DiskCacheMetadata(), TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task DisposeAsync_WithDisk_ContainsRemoveAndClearSeeAnEmptyCache()
    {
        using var folder = new TempFolder();
        var cache = NewCache(folder);
        await cache.StoreAsync("k", image: null, Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        await cache.DisposeAsync();

        Assert.AreEqual(ImageCacheType.None, await cache.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
        Assert.IsFalse(await cache.RemoveAsync("k", cancellationToken: TestContext.CancellationToken));
        await cache.ClearAsync(cancellationToken: TestContext.CancellationToken);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Disposed_WrappingTiersItDoesNotOwn_KeepsWorkingOnThem()
    {
        using var memory = new MemoryImageCache(new MemoryImageCacheOptions { TrimOnMemoryPressure = false });
        var cache = new ImageCache(memory, disk: null);
        using var image = TestAnimation.Image(1);
        cache.Dispose();

        await cache.StoreAsync("k", image, ReadOnlyMemory<byte>.Empty, cancellationToken: TestContext.CancellationToken);
        using var hit = await cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken);
        Assert.IsNotNull(hit, "the tiers are the caller's: disposing the wrapper leaves them to it");
    }
}
