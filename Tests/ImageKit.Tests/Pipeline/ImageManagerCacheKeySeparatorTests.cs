using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// The memory cache tells a key's decoded variants by the character U+001F that follows the key. A CacheKey function whose
/// keys hold it would make one key look like a variant of another: a refresh of <c>photo</c> would drop the entries of
/// <c>photo\u001fbig</c>. Such a key is refused, as an empty one is.
/// </summary>
[TestClass]
public sealed class ImageManagerCacheKeySeparatorTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task CacheKeyFunction_ReturnsAKeyHoldingU001F_LoadFailsWithArgumentException()
    {
        using var downloader = new ImageDownloader(ImageManagerTests.s_fastDownloads);
        using var cache = new ImageCache();
        await using var manager = new ImageManager(cache, downloader);
        manager.Loaders.Insert(0, new GifLoader());
        var options = new ImageLoadOptions { CacheKey = u => "photo\u001f" + u.Host, CacheType = ImageCacheType.Memory };

        var e = await Assert.ThrowsExactlyAsync<ArgumentException>(() => manager.LoadImageAsync(new Uri("asset://big/"), options, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual("options", e.ParamName);
        StringAssert.Contains(e.Message, "U+001F");
        Assert.AreEqual(0, cache.Memory.Count, "nothing stored under the refused key (which ImageCache itself refuses too)");
    }

    [TestMethod]
    public async Task CacheKeyFunction_OneKeyAPrefixOfAnother_RefreshOfTheShorterKeepsTheLongersEntry()
    {
        // Keys without U+001F, one the other's prefix: a refresh of the shorter leaves the longer's entry alone.
        using var downloader = new ImageDownloader(ImageManagerTests.s_fastDownloads);
        using var cache = new ImageCache();
        await using var manager = new ImageManager(cache, downloader);
        manager.Loaders.Insert(0, new GifLoader());
        var options = new ImageLoadOptions { CacheKey = u => u.Host == "big" ? "photo;big" : "photo", CacheType = ImageCacheType.Memory };
        (await manager.LoadImageAsync(new Uri("asset://big/"), options, cancellationToken: TestContext.CancellationToken)).Dispose();
        (await manager.LoadImageAsync(new Uri("asset://small/"), options with { FromNetworkOnly = true }, cancellationToken: TestContext.CancellationToken)).Dispose();

        Assert.AreEqual(ImageCacheType.Memory, await cache.ContainsAsync("photo;big", ImageCacheType.Memory, cancellationToken: TestContext.CancellationToken));
    }

    private sealed class GifLoader : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ImageLoaderResponse(request.Url, Corpus.Read("TestImage.gif")));
    }
}
