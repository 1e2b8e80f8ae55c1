using ImageKit.Caching;
using ImageKit.Loading;
using SkiaSharp;

namespace ImageKit.Tests.Pipeline;

/// <summary>Load options that contradict each other or sit outside their range, and what a load makes of them.</summary>
[TestClass]
public sealed class ImageLoadOptionsEdgeTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_FromCacheOnlyAndFromNetworkOnly_ThrowsArgumentExceptionEvenWhenCached()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        manager.Loaders.Insert(0, new Loader(request => Task.FromResult(new ImageLoaderResponse(request.Url, Png()) { StoreOnDisk = false })));
        var url = new Uri("test://host/a");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();

        // Before: "not in the cache, and the load was limited to the cache" (ImageLoadException), about an image that is.
        var e = await Assert.ThrowsExactlyAsync<ArgumentException>(() => manager.LoadImageAsync(
            url, new ImageLoadOptions { FromCacheOnly = true, FromNetworkOnly = true }, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual("options", e.ParamName);
        StringAssert.Contains(e.Message, nameof(ImageLoadOptions.FromCacheOnly));
    }

    [TestMethod]
    public void ImageLoadOptions_NegativeScaleDownMaxPixels_IsRefusedAtOnce()
    {
        // Silently taken as 0 ("every image at its own size") before, while a negative ThumbnailPixelSize is refused.
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageLoadOptions { ScaleDownMaxPixels = -1 });
        StringAssert.Contains(e.Message, nameof(ImageLoadOptions.ScaleDownMaxPixels));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageLoadOptions { ScaleDownMaxPixels = long.MinValue });
        Assert.AreEqual(0, new ImageLoadOptions { ScaleDownMaxPixels = 0 }.ScaleDownMaxPixels);
        Assert.AreEqual(long.MaxValue, new ImageLoadOptions { ScaleDownMaxPixels = long.MaxValue }.ScaleDownMaxPixels);
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    public async Task LoadImageAsync_CacheKeyFunctionReturnsNullOrEmpty_ThrowsArgumentException(string? returned)
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var loads = 0;
        manager.Loaders.Insert(0, new Loader(request =>
        {
            Interlocked.Increment(ref loads);
            return Task.FromResult(new ImageLoaderResponse(request.Url, Png()) { StoreOnDisk = false });
        }));
        var options = new ImageLoadOptions { CacheKey = _ => returned! };

        // Before: null fell back to the URL unannounced, and "" stored every URL under one key, so that the second URL was
        // answered with the first one's image.
        var e = await Assert.ThrowsExactlyAsync<ArgumentException>(() => manager.LoadImageAsync(new Uri("test://host/a"), options, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual("options", e.ParamName);
        StringAssert.Contains(e.Message, nameof(ImageLoadOptions.CacheKey));
        Assert.AreEqual(0, loads);
    }

    [TestMethod]
    public async Task LoadImageAsync_LoaderResponseWithoutFinalUrl_ThrowsImageLoadException()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        manager.Loaders.Insert(0, new Loader(_ => Task.FromResult(new ImageLoaderResponse(null!, Png()) { StoreOnDisk = false })));

        // Before: the load succeeded with a result whose FinalUrl (a non-nullable Uri) was null.
        var e = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(new Uri("test://host/a"), cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, "FinalUrl");
    }

    [TestMethod]
    public void ImageManagerOptions_NullTimeProvider_IsRefusedAtOnce()
    {
        // Before: taken as given, then a NullReferenceException from the failed-URL clock, in place of the load's own
        // error, the first time a load failed for a lasting reason.
        var e = Assert.ThrowsExactly<ArgumentNullException>(() => new ImageManagerOptions { TimeProvider = null! });
        StringAssert.Contains(e.Message, nameof(ImageManagerOptions.TimeProvider));
    }

    private static byte[] Png()
    {
        using var bitmap = new SKBitmap(4, 4);
        bitmap.Erase(SKColors.Red);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private sealed class Loader(Func<ImageLoaderRequest, Task<ImageLoaderResponse>> load) : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "test";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) => load(request);
    }

    // Both were taken as given: an undefined priority was refused deep in the downloader (ParamName "request", and not at
    // all for a custom loader), an undefined cache tier silently meant none.
    [TestMethod]
    public void ImageLoadOptions_UndefinedPriorityOrCacheType_IsRefusedAtOnce()
    {
        var priority = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageLoadOptions { Priority = (DownloadPriority)7 });
        var cacheType = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageLoadOptions { CacheType = (ImageCacheType)4 });

        Assert.AreEqual("Priority", priority.ParamName);
        Assert.AreEqual("CacheType", cacheType.ParamName);
        Assert.AreEqual(ImageCacheType.None, new ImageLoadOptions { CacheType = ImageCacheType.None }.CacheType);
    }
}
