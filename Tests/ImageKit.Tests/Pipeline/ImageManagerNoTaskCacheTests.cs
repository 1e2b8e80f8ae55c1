using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A custom <see cref="IImageCache"/> given straight to the manager that returns no task (null) from one of its members
/// fails the load with an <see cref="InvalidOperationException"/> naming that cache, as an <see cref="ImageCacheChain"/>
/// reports such a member: never with a <see cref="NullReferenceException"/> from ImageKit's own code.
/// </summary>
[TestClass]
public sealed class ImageManagerNoTaskCacheTests
{
    private static readonly Uri s_url = new("asset://no-task/image");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Load_CacheQueryReturnsNoTask_FailsNamingTheCache()
    {
        await using var world = await World.StartAsync(NoTaskFrom.Query);
        var e = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => world.Manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, nameof(NoTaskCache));
    }

    [TestMethod]
    public async Task RefreshCachedLoad_CacheGetEncodedReturnsNoTask_FailsNamingTheCache()
    {
        await using var world = await World.StartAsync(NoTaskFrom.GetEncoded);
        var e = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => world.Manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, nameof(NoTaskCache));
    }

    [TestMethod]
    public async Task Load_CacheStoreReturnsNoTask_FailsNamingTheCache()
    {
        await using var world = await World.StartAsync(NoTaskFrom.Store);
        var e = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => world.Manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, nameof(NoTaskCache));
    }

    [TestMethod]
    public async Task BackgroundDiskStore_CacheStoreReturnsNoTask_IsCountedAsFailedNamingTheCache()
    {
        await using var world = await World.StartAsync(NoTaskFrom.DiskStore);
        (await world.Manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await world.Manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, world.Manager.FailedDiskStores);
        Assert.IsInstanceOfType<InvalidOperationException>(world.Manager.LastDiskStoreFailure);
        StringAssert.Contains(world.Manager.LastDiskStoreFailure.Message, nameof(NoTaskCache));
    }

    [TestMethod]
    public async Task FromNetworkOnlyLoad_CacheRemoveReturnsNoTask_FailsNamingTheCache()
    {
        await using var world = await World.StartAsync(NoTaskFrom.Remove);
        var e = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => world.Manager.LoadImageAsync(s_url, new ImageLoadOptions { FromNetworkOnly = true }, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, nameof(NoTaskCache));
    }

    [TestMethod]
    public async Task Revalidation304_CacheUpdateMetadataReturnsNoTask_FailsNamingTheCache()
    {
        await using var world = await World.StartAsync(NoTaskFrom.UpdateMetadata);
        await world.Inner.StoreAsync(s_url.AbsoluteUri, null, Corpus.Read("TestImage.gif"), new DiskCacheMetadata { ETag = "\"A\"" }, ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);
        world.Loader.AnswerNotModified = true;
        var e = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => world.Manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, nameof(NoTaskCache));
    }

    internal enum NoTaskFrom
    {
        Query,
        GetEncoded,
        Store,
        DiskStore,
        Remove,
        UpdateMetadata,
    }

    private sealed class World : IAsyncDisposable
    {
        private readonly TempFolder _folder;
        private readonly ImageDownloader _downloader;

        private World(TempFolder folder, ImageCache inner, ImageDownloader downloader, ImageManager manager, AssetLoader loader)
        {
            _folder = folder;
            Inner = inner;
            _downloader = downloader;
            Manager = manager;
            Loader = loader;
        }

        public ImageCache Inner { get; }

        public ImageManager Manager { get; }

        public AssetLoader Loader { get; }

        public static Task<World> StartAsync(NoTaskFrom member)
        {
            var folder = new TempFolder();
            var inner = new ImageCache(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } });
            var downloader = new ImageDownloader(ImageManagerTests.s_fastDownloads);
            var manager = new ImageManager(new NoTaskCache(inner, member), downloader);
            var loader = new AssetLoader();
            manager.Loaders.Insert(0, loader);
            return Task.FromResult(new World(folder, inner, downloader, manager, loader));
        }

        public async ValueTask DisposeAsync()
        {
            await Manager.DisposeAsync();
            _downloader.Dispose();
            await Inner.DisposeAsync();
            _folder.Dispose();
        }
    }

    /// <summary>Answers every <c>asset:</c> URL with a GIF (200), or with 304 for the ETag it was sent.</summary>
    internal sealed class AssetLoader : IImageLoader
    {
        public bool AnswerNotModified { get; set; }

        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(AnswerNotModified && request.IfNoneMatch is { } etag
                ? new ImageLoaderResponse(request.Url, ReadOnlyMemory<byte>.Empty) { NotModified = true, ETag = etag }
                : new ImageLoaderResponse(request.Url, Corpus.Read("TestImage.gif")) { ETag = "\"A\"" });
    }

    /// <summary>Returns null instead of a task from one member; passes everything else to <c>inner</c>.</summary>
    private sealed class NoTaskCache(ImageCache inner, NoTaskFrom member) : ForwardingImageCache(inner)
    {
        public override Task<ImageCacheResult?> QueryAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            member == NoTaskFrom.Query ? null! : base.QueryAsync(key, cacheType, decodeOptions, cancellationToken);

        public override Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) =>
            member == NoTaskFrom.GetEncoded ? null! : base.GetEncodedAsync(key, cancellationToken);

        public override Task StoreAsync(string key, AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            member == NoTaskFrom.Store || (member == NoTaskFrom.DiskStore && cacheType == ImageCacheType.Disk)
                ? null!
                : base.StoreAsync(key, image, encodedData, metadata, cacheType, decodeOptions, cancellationToken);

        public override Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) =>
            member == NoTaskFrom.UpdateMetadata ? null! : base.UpdateMetadataAsync(key, metadata, cancellationToken);

        public override Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            member == NoTaskFrom.Remove ? null! : base.RemoveAsync(key, cacheType, decodeOptions, cancellationToken);
    }
}
