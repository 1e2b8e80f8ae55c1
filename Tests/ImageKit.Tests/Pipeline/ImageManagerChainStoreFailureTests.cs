using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>A chain member whose store fails fails the load, and the other members keep nothing of it.</summary>
[TestClass]
public sealed class ImageManagerChainStoreFailureTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>A cache that holds nothing and whose every store fails.</summary>
    private sealed class FailingStores() : ForwardingImageCache(inner: null)
    {
        public override Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            Task.FromException(new InvalidOperationException("the store failed"));
    }

    [TestMethod]
    [DataRow(false, DisplayName = "background disk store")]
    [DataRow(true, DisplayName = "WaitForDiskStore")]
    public async Task ChainMemberFailsItsStore_TheLoadFailsAndTheOtherMemberKeepsNothing(bool waitForDiskStore)
    {
        using var folder = new TempFolder();
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        using var good = new ImageCache(new ImageCacheOptions
        {
            Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
            Disk = new DiskImageCacheOptions { Directory = folder.Path },
        });
        var chain = new ImageCacheChain([good, new FailingStores()]);
        using var downloader = new ImageDownloader(ImageManagerTests.s_fastDownloads);
        var url = server.Image("TestImage.gif");
        await using (var manager = new ImageManager(chain, downloader))
        {
            await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = waitForDiskStore }, cancellationToken: TestContext.CancellationToken));
            await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        }

        Assert.AreEqual(ImageCacheType.None, await good.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken), "nothing of a load that failed is stored");
    }
}
