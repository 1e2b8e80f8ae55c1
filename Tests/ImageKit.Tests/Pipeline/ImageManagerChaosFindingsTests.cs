using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>Problems found by the concurrent chaos run, reduced to one deterministic scenario each.</summary>
[TestClass]
public sealed class ImageManagerChaosFindingsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_ReturnEncodedDataNotAsked_EncodedDataIsNull()
    {
        // ImageLoadResult.EncodedData is documented as the bytes "when ReturnEncodedData asked for them"; a
        // `flag ? bytes.ToArray() : null` argument converts the null array to an empty (non-null) ReadOnlyMemory.
        await using var manager = new ImageManager(new ImageCacheOptions { Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false } });
        var url = new Uri(Corpus.PathOf("TestImage.png"));

        using (var loaded = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreNotEqual(ImageLoadSource.Memory, loaded.Source);
            Assert.IsNull(loaded.EncodedData, "loaded: EncodedData should be null when not asked for");
        }

        using var hit = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Memory, hit.Source);
        Assert.IsNull(hit.EncodedData, "memory hit: EncodedData should be null when not asked for");
    }
}
