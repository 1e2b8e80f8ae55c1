using System.Diagnostics;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ImageKit.Tests.Diagnostics;

/// <summary>README "Secrets in the query": wherever ImageKit shows a URL, the values of secret parameters read <c>***</c>.</summary>
[TestClass]
public sealed class SecretUrlLoggingTests
{
    private const string Signature = "s3cr3tSignatureValue";

    private static readonly Uri s_url = new($"asset://images/a.gif?X-Amz-Signature={Signature}&w=200");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task BackgroundDiskStoreFails_DiskStoreFailedLogHidesTheUrlsSecrets()
    {
        var record = await DiskStoreFailedLogAsync(s_url, null, "the disk is full");

        Assert.DoesNotContain(Signature, record.Message);
        Assert.Contains("X-Amz-Signature=***", record.Message);
    }

    // An app's cache that names the key it was given (by default the URL) in its exception: the key in the log was shown
    // without its secrets, and the reason beside it must not show them either.
    [TestMethod]
    public async Task BackgroundDiskStoreFails_CacheMessageNamesTheKey_DiskStoreFailedLogHidesItsSecrets()
    {
        var record = await DiskStoreFailedLogAsync(s_url, null, $"cannot store {s_url.OriginalString}: the disk is full");

        Assert.DoesNotContain(Signature, record.Message);
        Assert.Contains("cannot store asset://images/a.gif?X-Amz-Signature=***&w=200: the disk is full", record.Message);
    }

    // A CacheKey that keeps the URL inside a longer key ("v2|" + URL): the key's secret query values were hidden in the
    // log, and the password of the URL in it must be too.
    [TestMethod]
    public async Task BackgroundDiskStoreFails_KeyEmbeddingAUrlWithAPassword_LogHidesThePassword()
    {
        var url = new Uri($"asset://user:{Signature}@images/a.gif?w=200");
        var record = await DiskStoreFailedLogAsync(url, new ImageLoadOptions { CacheKey = u => "v2|" + u.OriginalString }, "the disk is full");

        Assert.DoesNotContain(Signature, record.Message);
        Assert.Contains("v2|asset://user:***@images/a.gif?w=200", record.Message);
    }

    // An entry stored without an original URL (through the cache's own StoreAsync) is named by its key, which by default
    // is the URL: its name must hide the secrets as the URL would.
    [TestMethod]
    public async Task QueryAsync_DiskEntryWithoutOriginalUrl_NamesTheImageWithoutTheKeysSecrets()
    {
        using var folder = new TempFolder();
        await using var cache = new ImageCache(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } });
        var key = $"https://images.example/a.gif?X-Amz-Signature={Signature}&w=200";
        await cache.StoreAsync(key, null, Corpus.Read("TestImage.gif"), cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);

        using var hit = await cache.QueryAsync(key, ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);

        Assert.IsNotNull(hit);
        Assert.IsNotNull(hit.Image.SourceName);
        Assert.DoesNotContain(Signature, hit.Image.SourceName);
        Assert.Contains("X-Amz-Signature=***", hit.Image.SourceName);
    }

    // An app's loader that names the URL it was given in its exception ("GET <url> failed"): the load's LoadFailed log and
    // its activity's status description repeat that message, and must not repeat the URL's secrets with it.
    [TestMethod]
    public async Task LoadFails_LoaderMessageNamesTheUrl_LogAndActivityStatusHideItsSecrets()
    {
        var url = new Uri($"secret://user:{Signature}pw@images.example/a.gif?X-Amz-Signature={Signature}&w=200");
        var (load, record) = await FailedLoadAsync(url, new NamingFailingLoader());

        Assert.AreEqual(ActivityStatusCode.Error, load.Status);
        Assert.IsNotNull(load.StatusDescription);
        Assert.DoesNotContain(Signature, load.StatusDescription);
        Assert.Contains("X-Amz-Signature=***", load.StatusDescription);
        Assert.DoesNotContain(Signature, record.Message);
        Assert.Contains("user:***@images.example", record.Message);
    }

    // An app's loader that names another URL than the one it was given (where a redirect sent it): that URL's password and
    // secret query values must not reach the LoadFailed log or the activity's status either; only the load's own URL was
    // hidden.
    [TestMethod]
    public async Task LoadFails_LoaderMessageNamesItsRedirectTarget_LogAndActivityStatusHideTheTargetsSecrets()
    {
        var url = new Uri("redirecting://images.example/a.gif?w=200");
        var (load, record) = await FailedLoadAsync(url, new RedirectNamingFailingLoader());

        Assert.IsNotNull(load.StatusDescription);
        foreach (var shown in new[] { load.StatusDescription, record.Message })
        {
            Assert.DoesNotContain(Signature, shown);
            Assert.Contains($"https://user:***@cdn.example/final.gif?X-Amz-Signature=***&w=200 failed", shown);
            Assert.Contains("redirecting://images.example/a.gif?w=200", shown);
        }
    }

    // The fast failure of a URL that failed recently is ImageKit's own exception, and quotes the first failure's message:
    // an app's loader that named its URL (or where it was redirected) there put the password and signature into it.
    [TestMethod]
    public async Task LoadFailsFast_FirstFailureNamedTheUrl_FastFailureMessageHidesItsSecrets()
    {
        var url = new Uri($"notfound://user:{Signature}@images.example/a.gif?X-Amz-Signature={Signature}&w=200");
        using var folder = new TempFolder();
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } });
        manager.Loaders.Insert(0, new NotFoundNamingLoader());

        var first = await Assert.ThrowsAsync<ImageDownloadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        var fast = await Assert.ThrowsAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        StringAssert.Contains(first.Message, Signature, "the app's own exception is left as it threw it");
        StringAssert.Contains(fast.Message, "failed recently");
        Assert.DoesNotContain(Signature, fast.Message);
        StringAssert.Contains(fast.Message, "notfound://user:***@images.example/a.gif?X-Amz-Signature=***&w=200");
        StringAssert.Contains(fast.Message, "https://user:***@cdn.example/final.gif?X-Amz-Signature=***");
    }

    // Loads url through a manager (with a disk cache) whose first loader is loader, which fails with an IOException, and
    // returns the load's activity and its LoadFailed log (1003).
    private async Task<(Activity Load, FakeLogRecord Record)> FailedLoadAsync(Uri url, IImageLoader loader)
    {
        using var trace = new TestTrace();
        using var loggerFactory = new LoggerFactory();
        var collector = new FakeLogCollector();
        loggerFactory.AddProvider(new FakeLoggerProvider(collector));
        using var folder = new TempFolder();
        await using (var manager = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } }, options: new ImageManagerOptions { LoggerFactory = loggerFactory }))
        {
            manager.Loaders.Insert(0, loader);
            await Assert.ThrowsAsync<IOException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        }

        return (trace.Single("ImageKit.LoadImage"), collector.GetSnapshot().Single(r => r.Id.Id == 1003));
    }

    // Loads url (an asset: URL) with options through a manager whose disk cache fails its background store with a
    // DiskCacheException saying reason, and returns the DiskStoreFailed log (1007) of that store.
    private async Task<FakeLogRecord> DiskStoreFailedLogAsync(Uri url, ImageLoadOptions? options, string reason)
    {
        using var cache = new GatedDiskCache { Failure = new DiskCacheException("/cache", reason) };
        cache.Gate.SetResult();
        using var loggerFactory = new LoggerFactory();
        var collector = new FakeLogCollector();
        loggerFactory.AddProvider(new FakeLoggerProvider(collector));
        await using (var manager = new ImageManager(cache, cache.Downloader, new ImageManagerOptions { LoggerFactory = loggerFactory }))
        {
            manager.Loaders.Insert(0, new AssetLoader());
            (await manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken)).Dispose();
            await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
            Assert.AreEqual(1, manager.FailedDiskStores);
        }

        return collector.GetSnapshot().Single(r => r.Id.Id == 1007);
    }

    private sealed class NotFoundNamingLoader : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "notfound";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            throw new ImageDownloadException(
                request.Url,
                ImageDownloadFailure.HttpStatus,
                $"GET {request.Url} was redirected to https://user:{Signature}@cdn.example/final.gif?X-Amz-Signature={Signature}, which answered 404",
                System.Net.HttpStatusCode.NotFound);
    }

    private sealed class RedirectNamingFailingLoader : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "redirecting";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            throw new IOException($"GET {request.Url} was redirected; GET https://user:{Signature}@cdn.example/final.gif?X-Amz-Signature={Signature}&w=200 failed: connection reset");
    }

    private sealed class NamingFailingLoader : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "secret";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            throw new IOException($"GET {request.Url} failed: connection reset");
    }
}
