using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A key holding U+001F, the separator between a key and its variants' decode options, could be another key's variant key:
/// stored through <see cref="ImageCache"/> directly, it answered another key's first-frame query. The cache refuses it, as
/// <see cref="ImageManager"/> refuses such a <see cref="ImageLoadOptions.CacheKey"/>.
/// </summary>
[TestClass]
public sealed class ImageCacheVariantSeparatorKeyTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task StoreAsync_KeyHoldingTheVariantSeparator_IsRefusedAndNeverAnswersAnotherKeysVariant()
    {
        await using var cache = new ImageCache(new ImageCacheOptions { Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false } });
        var firstFrame = new ImageDecodeOptions { FirstFrameOnly = true };
        var collidingKey = MemoryCacheKey.For("a", firstFrame); // "a" + U+001F + the first-frame variant's options
        using var other = TestAnimation.Image(3);

        var stored = await Assert.ThrowsExactlyAsync<ArgumentException>(
            () => cache.StoreAsync(collidingKey, other, ReadOnlyMemory<byte>.Empty, cacheType: ImageCacheType.Memory, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual("key", stored.ParamName);
        StringAssert.Contains(stored.Message, "U+001F");

        using var hit = await cache.QueryAsync("a", ImageCacheType.Memory, firstFrame, TestContext.CancellationToken);
        Assert.IsNull(hit, "another key's image answered the first-frame variant of \"a\"");
    }

    [TestMethod]
    public async Task EveryKeyedMethod_KeyHoldingTheVariantSeparator_ThrowsArgumentException()
    {
        using var folder = new TempFolder();
        await using var cache = new ImageCache(new ImageCacheOptions
        {
            Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
            Disk = new DiskImageCacheOptions { Directory = folder.Path },
        });
        const string key = "a\u001fb";
        var ct = TestContext.CancellationToken;

        var calls = new (string Name, Func<Task> Call)[]
        {
            ("QueryAsync", () => cache.QueryAsync(key, cancellationToken: ct)),
            ("GetEncodedAsync", () => cache.GetEncodedAsync(key, ct)),
            ("StoreAsync", () => cache.StoreAsync(key, null, new byte[] { 1, 2, 3 }, cancellationToken: ct)),
            ("UpdateMetadataAsync", () => cache.UpdateMetadataAsync(key, DiskCacheMetadata.Empty, ct)),
            ("RemoveAsync", () => cache.RemoveAsync(key, cancellationToken: ct)),
            ("ContainsAsync", () => cache.ContainsAsync(key, cancellationToken: ct)),
        };
        foreach (var (name, call) in calls)
        {
            var e = await Assert.ThrowsExactlyAsync<ArgumentException>(call, name);
            Assert.AreEqual("key", e.ParamName, name);
        }
    }
}
