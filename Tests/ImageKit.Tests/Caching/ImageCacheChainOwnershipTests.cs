using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class ImageCacheChainOwnershipTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Chain_QueryAllAndALaterTierThrowsSynchronously_ReleasesTheEarlierTiersHits()
    {
        var memory = new MemoryImageCache(new MemoryImageCacheOptions { TrimOnMemoryPressure = false });
        using var good = new ImageCache(memory, disk: null);
        var image = TestAnimation.Image(2);
        good.Memory.Set("k", image);
        image.Dispose(); // the memory cache holds the only lease now
        var chain = new ImageCacheChain([good, new SynchronouslyFailingTier()]) { QueryPolicy = ImageCacheChainPolicy.All };

        await Assert.ThrowsExactlyAsync<IOException>(() => chain.QueryAsync("k", cancellationToken: TestContext.CancellationToken));

        memory.Dispose();
        Assert.IsTrue(image.IsDisposed, "the first tier's hit was released when the second tier's query threw before returning a task");
    }

    [TestMethod]
    public async Task Chain_QueryAllAndAnEarlierTierReturnsNoTask_ReleasesTheLaterTiersHits()
    {
        var memory = new MemoryImageCache(new MemoryImageCacheOptions { TrimOnMemoryPressure = false });
        using var good = new ImageCache(memory, disk: null);
        var image = TestAnimation.Image(2);
        good.Memory.Set("k", image);
        image.Dispose(); // the memory cache holds the only lease now
        var chain = new ImageCacheChain([new NullTaskTier(), good]) { QueryPolicy = ImageCacheChainPolicy.All };

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => chain.QueryAsync("k", cancellationToken: TestContext.CancellationToken));

        memory.Dispose();
        Assert.IsTrue(image.IsDisposed, "the second tier's hit was released although the first tier's query gave no task");
    }

    // A tier with a bug: its query returns no task at all.
    private sealed class NullTaskTier : IImageCache
    {
        public Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            null!;

        public Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    // A tier written without async whose query throws before it returns a task; nothing else is used.
    private sealed class SynchronouslyFailingTier : IImageCache
    {
        public Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            throw new IOException("tier failed");

        public Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
