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
        using var cache = new FailingDiskCache();
        using var loggerFactory = new LoggerFactory();
        var collector = new FakeLogCollector();
        loggerFactory.AddProvider(new FakeLoggerProvider(collector));
        await using (var manager = new ImageManager(cache, cache.Downloader, new ImageManagerOptions { LoggerFactory = loggerFactory }))
        {
            manager.Loaders.Insert(0, new AssetLoader());
            (await manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken)).Dispose();
            await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
            Assert.AreEqual(1, manager.FailedDiskStores);
        }

        var record = collector.GetSnapshot().Single(r => r.Id.Id == 1007);
        Assert.DoesNotContain(Signature, record.Message);
        Assert.Contains("X-Amz-Signature=***", record.Message);
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

    private sealed class AssetLoader : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ImageLoaderResponse(request.Url, Corpus.Read("TestImage.gif")));
    }

    /// <summary>A memory cache whose disk stores fail; it owns the downloader too.</summary>
    private sealed class FailingDiskCache : IImageCache, IDisposable
    {
        private readonly ImageCache _memory = new();

        public ImageDownloader Downloader { get; } = new();

        public Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            _memory.QueryAsync(key, cacheType, decodeOptions, cancellationToken);

        public Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult<DiskCacheEntry?>(null);

        public async Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
        {
            await _memory.StoreAsync(key, image, encodedData, metadata, cacheType & ~ImageCacheType.Disk, decodeOptions, cancellationToken);
            if (cacheType.HasFlag(ImageCacheType.Disk))
            {
                throw new DiskCacheException("/cache", "the disk is full");
            }
        }

        public Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => Task.FromResult(false);

        public Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            _memory.RemoveAsync(key, cacheType, decodeOptions, cancellationToken);

        public Task<ImageCacheType> ContainsAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            _memory.ContainsAsync(key, cacheType, decodeOptions, cancellationToken);

        public Task ClearAsync(ImageCacheType cacheType = ImageCacheType.All, CancellationToken cancellationToken = default) =>
            _memory.ClearAsync(cacheType, cancellationToken);

        public void Dispose()
        {
            Downloader.Dispose();
            _memory.Dispose();
        }
    }
}
