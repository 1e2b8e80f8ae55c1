using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// The default cache key names a Unicode host (<c>bücher.example</c>) by its punycode (<c>xn--bcher-kva.example</c>): one
/// image, one entry in each cache, however its URL spells the host. ASCII URLs keep their <see cref="Uri.AbsoluteUri"/>.
/// </summary>
[TestClass]
public sealed class ImageManagerIdnCacheKeyTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_ImageLoadedByItsUnicodeHost_IsInTheCachesForItsPunycodeHost()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        using var folder = new TempFolder();
        var cacheOptions = new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } };
        string key;
        await using (var manager = new ImageManager(cacheOptions, ToLoopback(server)))
        {
            using var first = await manager.LoadImageAsync(new Uri("http://bücher.example:81/img/TestImage.gif"), cancellationToken: TestContext.CancellationToken);
            using var fromMemory = await manager.LoadImageAsync(new Uri("http://xn--bcher-kva.example:81/img/TestImage.gif"), new ImageLoadOptions { FromCacheOnly = true }, cancellationToken: TestContext.CancellationToken);
            key = first.CacheKey;
            Assert.AreEqual(key, fromMemory.CacheKey);
        }

        // The next launch: only the disk cache has it.
        await using (var manager = new ImageManager(cacheOptions, ToLoopback(server)))
        {
            using var fromDisk = await manager.LoadImageAsync(new Uri("http://XN--BCHER-KVA.example:81/img/TestImage.gif"), new ImageLoadOptions { FromCacheOnly = true }, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(key, fromDisk.CacheKey);
        }

        Assert.AreEqual("http://xn--bcher-kva.example:81/img/TestImage.gif", key);
        Assert.AreEqual(1, server.ImageHits("TestImage.gif"));
    }

    [TestMethod]
    public async Task LoadImageAsync_FailedByItsUnicodeHost_FailsFastByItsPunycodeHost()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = new ImageManager(new ImageCacheOptions(), ToLoopback(server));
        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(new Uri("http://bücher.example:81/missing"), cancellationToken: TestContext.CancellationToken));

        await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(new Uri("http://xn--bcher-kva.example:81/missing"), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(1, server.Hits("/missing"), "the 404 is remembered for the host by either name");
    }

    [TestMethod]
    public async Task LoadImageAsync_AsciiUrl_IsCachedUnderItsAbsoluteUri()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = new ImageManager(new ImageCacheOptions(), ToLoopback(server));
        var url = new Uri("http://User@Books.Example:81/img/Test%49mage.gif?a=%C3%BC#frag");

        using var result = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(url.AbsoluteUri, result.CacheKey);
    }

    // Every request goes to the loopback server, whatever host it names.
    private static ImageDownloaderOptions ToLoopback(CorpusServer server)
    {
        var options = DownloadTestOptions.Fast(maxRetries: 0);
        options.RequestModifier = (message, _) =>
        {
            message.RequestUri = server.Url(message.RequestUri!.AbsolutePath);
            return default;
        };
        return options;
    }
}
