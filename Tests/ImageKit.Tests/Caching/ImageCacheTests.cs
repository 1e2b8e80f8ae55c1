using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Caching;

[TestClass]
public sealed class ImageCacheTests
{
    private string _dir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("imagekit-cache-").FullName;

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private ImageCache NewCache(string? dir = null) => new(new ImageCacheOptions
    {
        Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
        Disk = new DiskImageCacheOptions { Directory = dir ?? _dir },
    });

    [TestMethod]
    public async Task QueryAsync_DiskHit_DecodesAndFillsMemory()
    {
        var bytes = Corpus.Read("TestImage.gif");
        await using (var writer = NewCache())
        {
            await writer.StoreAsync("k", image: null, bytes, new DiskCacheMetadata { ContentType = "image/gif" }, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageCacheType.Disk, await writer.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
        }

        await using var cache = NewCache();
        using (var hit = await cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken))
        {
            Assert.IsNotNull(hit);
            Assert.AreEqual(ImageCacheType.Disk, hit.Source);
            Assert.AreEqual("image/gif", hit.Metadata!.ContentType);
            Assert.AreEqual(5, hit.Image.FrameCount);
        }

        using var memoryHit = await cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.Memory, memoryHit!.Source);
    }

    [TestMethod]
    public async Task QueryAsync_MemoryOnlySelector_IgnoresTheDisk()
    {
        await using var cache = NewCache();
        await cache.StoreAsync("k", null, Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        Assert.IsNull(await cache.QueryAsync("k", ImageCacheType.Memory, cancellationToken: TestContext.CancellationToken));
        Assert.IsNull(await cache.QueryAsync("k", ImageCacheType.None, cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task QueryAsync_DiskBytesThatNoLongerDecode_AreAMissAndRemoved()
    {
        await using var cache = NewCache();
        await cache.StoreAsync("k", null, "<html>not an image</html>"u8.ToArray(), cancellationToken: TestContext.CancellationToken);
        Assert.IsNull(await cache.QueryAsync("k", cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(ImageCacheType.None, await cache.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task StoreAsync_DecodeVariants_AreKeptApartInMemory()
    {
        await using var cache = NewCache();
        using var full = AnimatedImage.Decode(Corpus.Read("TestImage.gif"));
        using var still = AnimatedImage.Decode(Corpus.Read("TestImage.gif"), new ImageDecodeOptions { FirstFrameOnly = true });
        var firstOnly = new ImageDecodeOptions { FirstFrameOnly = true };
        await cache.StoreAsync("k", full, ReadOnlyMemory<byte>.Empty, cacheType: ImageCacheType.Memory, cancellationToken: TestContext.CancellationToken);
        Assert.IsNull(await cache.QueryAsync("k", ImageCacheType.Memory, firstOnly, TestContext.CancellationToken));
        await cache.StoreAsync("k", still, ReadOnlyMemory<byte>.Empty, cacheType: ImageCacheType.Memory, decodeOptions: firstOnly, cancellationToken: TestContext.CancellationToken);
        using var a = await cache.QueryAsync("k", ImageCacheType.Memory, cancellationToken: TestContext.CancellationToken);
        using var b = await cache.QueryAsync("k", ImageCacheType.Memory, firstOnly, TestContext.CancellationToken);
        Assert.AreSame(full, a!.Image);
        Assert.AreSame(still, b!.Image);
    }

    [TestMethod]
    public async Task RemoveAndClear_EmptyTheTiersAsked()
    {
        await using var cache = NewCache();
        using var image = AnimatedImage.Decode(Corpus.Read("TestImage.gif"));
        await cache.StoreAsync("k", image, Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.All, await cache.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
        Assert.IsTrue(await cache.RemoveAsync("k", ImageCacheType.Memory, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(ImageCacheType.Disk, await cache.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
        await cache.ClearAsync(cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.None, await cache.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Chain_FirstHit_AsksInOrderAndStoresEverywhere()
    {
        await using var first = NewCache(Directory.CreateDirectory(Path.Combine(_dir, "a")).FullName);
        await using var second = NewCache(Directory.CreateDirectory(Path.Combine(_dir, "b")).FullName);
        var chain = new ImageCacheChain([first, second]);
        await second.StoreAsync("only-second", null, Corpus.Read("TestImage.png"), cancellationToken: TestContext.CancellationToken);
        using (var hit = await chain.QueryAsync("only-second", cancellationToken: TestContext.CancellationToken))
        {
            Assert.IsNotNull(hit);
        }

        await chain.StoreAsync("both", null, Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.Disk, await first.ContainsAsync("both", cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(ImageCacheType.Disk, await second.ContainsAsync("both", cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Chain_HighestOrLowestOnly_TouchesOneCache()
    {
        await using var first = NewCache(Directory.CreateDirectory(Path.Combine(_dir, "a")).FullName);
        await using var second = NewCache(Directory.CreateDirectory(Path.Combine(_dir, "b")).FullName);
        var lowest = new ImageCacheChain([first, second]) { QueryPolicy = ImageCacheChainPolicy.LowestPriorityOnly, StorePolicy = ImageCacheChainPolicy.LowestPriorityOnly };
        await lowest.StoreAsync("k", null, Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.None, await first.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(ImageCacheType.Disk, await lowest.ContainsAsync("k", cancellationToken: TestContext.CancellationToken));
        var highest = new ImageCacheChain([first, second]) { QueryPolicy = ImageCacheChainPolicy.HighestPriorityOnly };
        Assert.IsNull(await highest.QueryAsync("k", cancellationToken: TestContext.CancellationToken));
        var all = new ImageCacheChain([first, second]) { QueryPolicy = ImageCacheChainPolicy.All };
        using var hit = await all.QueryAsync("k", cancellationToken: TestContext.CancellationToken);
        Assert.IsNotNull(hit);
    }
}
