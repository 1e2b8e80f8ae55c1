using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// <see cref="ImageCacheChainPolicy.All"/> asks every tier: when one of them fails, however it fails, the hits the other
/// tiers returned are released, never leaked with their images.
/// </summary>
[TestClass]
public sealed class ImageCacheChainOwnershipTests
{
    public TestContext TestContext { get; set; } = null!;

    public enum TierFault
    {
        /// <summary>An async query that fails after it has yielded.</summary>
        FailsLater,

        /// <summary>A tier written without async whose query throws before it returns a task.</summary>
        ThrowsSynchronously,

        /// <summary>A tier with a bug: its query returns no task at all.</summary>
        ReturnsNoTask,
    }

    [TestMethod]
    [DataRow(TierFault.FailsLater, true, typeof(IOException))]
    [DataRow(TierFault.FailsLater, false, typeof(IOException))]
    [DataRow(TierFault.ThrowsSynchronously, true, typeof(IOException))]
    [DataRow(TierFault.ThrowsSynchronously, false, typeof(IOException))]
    [DataRow(TierFault.ReturnsNoTask, true, typeof(InvalidOperationException))]
    [DataRow(TierFault.ReturnsNoTask, false, typeof(InvalidOperationException))]
    public async Task Chain_QueryAllAndOneTierFails_ReleasesTheOtherTiersHits(TierFault fault, bool brokenTierFirst, Type expected)
    {
        var memory = new MemoryImageCache(new MemoryImageCacheOptions { TrimOnMemoryPressure = false });
        using var good = new ImageCache(memory, disk: null);
        var image = TestAnimation.Image(2);
        good.Memory.Set("k", image);
        image.Dispose(); // the memory cache holds the only lease now
        var broken = new BrokenTier(fault);
        var chain = new ImageCacheChain(brokenTierFirst ? [broken, good] : [good, broken]) { QueryPolicy = ImageCacheChainPolicy.All };

        var error = await Assert.ThrowsAsync<Exception>(() => chain.QueryAsync("k", cancellationToken: TestContext.CancellationToken));

        Assert.IsInstanceOfType(error, expected);
        memory.Dispose();
        Assert.IsTrue(image.IsDisposed, $"the good tier's hit was released when the other tier {fault}");
    }

    private sealed class BrokenTier(TierFault fault) : ForwardingImageCache(inner: null)
    {
        public override Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => fault switch
        {
            TierFault.FailsLater => FailLaterAsync(),
            TierFault.ThrowsSynchronously => throw new IOException("tier failed"),
            _ => null!,
        };

        public override Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        private static async Task<ImageCacheResult?> FailLaterAsync()
        {
            await Task.Yield();
            throw new IOException("tier failed");
        }
    }
}
