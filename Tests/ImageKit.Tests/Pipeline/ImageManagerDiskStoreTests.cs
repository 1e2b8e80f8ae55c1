using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

[TestClass]
public sealed class ImageManagerDiskStoreTests
{
    private static readonly Uri s_url = new("asset://images/TestImage.gif");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_DiskStoreBlocked_ReturnsFromMemoryBeforeTheStoreLands()
    {
        using var cache = new GatedDiskCache();
        await using var manager = NewManager(cache);

        // Were the load to wait for its disk store, it would wait at the closed gate: time out instead of hanging.
        using (var result = await manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, result.Source);
        }

        await cache.DiskStoreStarted.Task.WaitAsync(TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.Memory, await cache.ContainsAsync(s_url.AbsoluteUri, cancellationToken: TestContext.CancellationToken));
        var waiting = manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.IsFalse(waiting.IsCompleted, "the store is still held at the gate");
        cache.Gate.SetResult();
        await waiting;
        Assert.AreEqual(1, cache.DiskStores);
        Assert.AreEqual(0, manager.FailedDiskStores);
    }

    [TestMethod]
    public async Task DisposeAsync_DiskStoreStillRunning_WaitsForItToLand()
    {
        using var cache = new GatedDiskCache();
        var manager = NewManager(cache);
        (await manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await cache.DiskStoreStarted.Task.WaitAsync(TestContext.CancellationToken);

        var disposing = manager.DisposeAsync().AsTask();
        await Task.Delay(50, TestContext.CancellationToken);
        Assert.IsFalse(disposing.IsCompleted, "disposal waits for the store");
        cache.Gate.SetResult();
        await disposing.WaitAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, cache.DiskStores);
    }

    [TestMethod]
    public async Task LoadImageAsync_WaitForDiskStore_ReturnsOnlyAfterTheStoreLands()
    {
        using var cache = new GatedDiskCache();
        await using var manager = NewManager(cache);

        var load = manager.LoadImageAsync(s_url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken);
        await cache.DiskStoreStarted.Task.WaitAsync(TestContext.CancellationToken);
        Assert.IsFalse(load.IsCompleted, "the load waits at the gate with its store");
        cache.Gate.SetResult();
        (await load).Dispose();
        Assert.AreEqual(1, cache.DiskStores);
    }

    [TestMethod]
    public async Task LoadImageAsync_BackgroundDiskStoreFails_LoadSucceedsAndTheFailureIsCounted()
    {
        using var cache = new GatedDiskCache { Failure = new DiskCacheException("/cache", "the disk is full") };
        cache.Gate.SetResult();
        await using var manager = NewManager(cache);

        using (var result = await manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, result.Source);
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, manager.FailedDiskStores);
        Assert.AreSame(cache.Failure, manager.LastDiskStoreFailure);
        Assert.AreEqual(ImageCacheType.Memory, await cache.ContainsAsync(s_url.AbsoluteUri, cancellationToken: TestContext.CancellationToken));
    }

    private static ImageManager NewManager(GatedDiskCache cache)
    {
        var manager = new ImageManager(cache, cache.Downloader);
        manager.Loaders.Insert(0, new AssetLoader());
        return manager;
    }
}
