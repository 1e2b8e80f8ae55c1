using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;

namespace ImageKit.Tests.Pipeline;

/// <summary>Options and app-supplied parts (loaders, URL lists) the types allow but that make no sense.</summary>
[TestClass]
public sealed class ImageManagerHostileArgumentTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_FailedUrlRetentionMaxValue_StillThrowsTheLoadsOwnError()
    {
        // TimeSpan.MaxValue passes ImageKitOptions validation too (configuration "FailedUrlRetention": "10675199.02:48:05.4775807").
        await using var manager = new ImageManager(new ImageCacheOptions(), options: new ImageManagerOptions { FailedUrlRetention = TimeSpan.MaxValue });
        manager.Loaders.Insert(0, new Loader(request => Task.FromResult(new ImageLoaderResponse(request.Url, "not an image"u8.ToArray()) { StoreOnDisk = false })));

        // Remembering the failure computes now + retention, which throws ArgumentOutOfRangeException over the decode error.
        await Assert.ThrowsAsync<ImageDecodingException>(() => manager.LoadImageAsync(new Uri("test://host/a"), cancellationToken: TestContext.CancellationToken));
        await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(new Uri("test://host/a"), cancellationToken: TestContext.CancellationToken), "the failure is remembered");
    }

    [TestMethod]
    public async Task LoadImageAsync_LoaderReturnsNullResponse_ThrowsImageKitException()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        manager.Loaders.Insert(0, new Loader(_ => Task.FromResult<ImageLoaderResponse>(null!)));

        // A NullReferenceException from inside the manager today.
        await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(new Uri("test://host/a"), cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task PrefetchAsync_RelativeUrl_RecordsAnImageLoadException()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var prefetcher = new ImagePrefetcher(manager);

        var result = await prefetcher.PrefetchAsync([new Uri("images/a.png", UriKind.Relative)], cancellationToken: TestContext.CancellationToken);

        // LoadImageAsync answers "the URL is not absolute"; the prefetcher fails first on url.AbsoluteUri with an
        // InvalidOperationException ("This operation is not supported for a relative URI").
        Assert.AreEqual(1, result.Progress.Failed);
        Assert.IsInstanceOfType<ImageLoadException>(result.Failures.Single().Error);
    }

    [TestMethod]
    public async Task PrefetchAsync_NullUrlInTheList_ThrowsArgumentException()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var prefetcher = new ImagePrefetcher(manager);

        var e = await Assert.ThrowsExactlyAsync<ArgumentException>(() => prefetcher.PrefetchAsync([new Uri("https://example.com/a.png"), null!], cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual("urls", e.ParamName);
    }

    // Both were taken as given: a null Options failed every URL with a NullReferenceException, and a concurrency below 1
    // threw from PrefetchAsync (ParallelOptions), not where the value was set.
    [TestMethod]
    public void ImagePrefetcher_NullOptionsOrConcurrencyBelowOne_IsRefusedAtOnce()
    {
        using var manager = new ImageManager(new ImageCacheOptions());

        Assert.ThrowsExactly<ArgumentNullException>(() => new ImagePrefetcher(manager) { Options = null! });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImagePrefetcher(manager) { MaxConcurrentPrefetches = 0 });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImagePrefetcher(manager) { MaxConcurrentPrefetches = -1 });
        Assert.AreEqual(1, new ImagePrefetcher(manager) { MaxConcurrentPrefetches = 1 }.MaxConcurrentPrefetches);
    }

    [TestMethod]
    public void ImageManagerOptions_NegativeFailedUrlRetention_IsRefusedAtOnce()
    {
        // Silently taken as "off" before, while the options validator of AddImageKit refused it.
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageManagerOptions { FailedUrlRetention = TimeSpan.FromSeconds(-1) });
    }

    private sealed class Loader(Func<ImageLoaderRequest, Task<ImageLoaderResponse>> load) : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "test";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) => load(request);
    }
}
