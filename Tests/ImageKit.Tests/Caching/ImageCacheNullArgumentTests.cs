using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A null key or metadata is the caller's mistake, refused by every tier setup alike: without a disk tier
/// <see cref="ImageCache.GetEncodedAsync"/> answered null and <see cref="ImageCache.UpdateMetadataAsync"/> false for them,
/// as if the key were only absent.
/// </summary>
[TestClass]
public sealed class ImageCacheNullArgumentTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task GetEncodedAndUpdateMetadata_NullArguments_ThrowArgumentNullException(bool withDisk)
    {
        using var folder = new TempFolder();
        await using var cache = new ImageCache(new ImageCacheOptions
        {
            Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
            Disk = withDisk ? new DiskImageCacheOptions { Directory = folder.Path } : null,
        });

        var get = await Assert.ThrowsExactlyAsync<ArgumentNullException>(() => cache.GetEncodedAsync(null!, TestContext.CancellationToken));
        Assert.AreEqual("key", get.ParamName);
        var update = await Assert.ThrowsExactlyAsync<ArgumentNullException>(
            () => cache.UpdateMetadataAsync(null!, DiskCacheMetadata.Empty, TestContext.CancellationToken));
        Assert.AreEqual("key", update.ParamName);
        var metadata = await Assert.ThrowsExactlyAsync<ArgumentNullException>(() => cache.UpdateMetadataAsync("k", null!, TestContext.CancellationToken));
        Assert.AreEqual("metadata", metadata.ParamName);
    }
}
