using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// Deferred (background) disk stores against later writes of the same key: a store of older bytes never lands over
/// newer ones nor is answered instead of them, a 304's validators survive a store still waiting, and waiting bytes count
/// as on disk. Found by a review of the deferred stores (2026-12-05).
/// </summary>
[TestClass]
public sealed class DeferredStoreOrderTests
{
    private static readonly Uri s_url = new("asset://versioned/image");

    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// Load 1 returns version A (its disk store deferred). A refresh right after it gets version B from the server and
    /// waits for its store (B is on disk when it returns). The deferred store of A then lands over B: the disk holds the
    /// old bytes and the old ETag, and every later revalidation confirms the wrong image.
    /// </summary>
    [TestMethod]
    public async Task RefreshWaitingForItsStore_WhileAnEarlierLoadsStoreIsDeferred_OlderBytesMustNotOverwriteNewer()
    {
        using var folder = new TempFolder();
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var loader = new Versions();
        manager.Loaders.Insert(0, loader);

        (await manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken)).Dispose();
        (await manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true, WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
        var right = await manager.Cache.GetEncodedAsync(s_url.AbsoluteUri, TestContext.CancellationToken);
        Assert.AreEqual("\"B\"", right?.Metadata.ETag, "B on disk once the refresh returned");

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        var entry = await manager.Cache.GetEncodedAsync(s_url.AbsoluteUri, TestContext.CancellationToken);
        Assert.AreEqual("\"B\"", entry?.Metadata.ETag, "the newer version stays on disk");
        CollectionAssert.AreEqual(Versions.B, entry!.Data);
    }

    /// <summary>The same with both stores in the background: the older one must not land last.</summary>
    [TestMethod]
    public async Task RefreshInBackground_WhileAnEarlierLoadsStoreIsDeferred_NewerVersionEndsOnDisk()
    {
        var wrong = 0;
        const int Rounds = 15;
        for (var i = 0; i < Rounds; i++)
        {
            using var folder = new TempFolder();
            await using var manager = ImageManagerTests.NewManager(folder.Path);
            manager.Loaders.Insert(0, new Versions());
            (await manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken)).Dispose();
            (await manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
            await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
            var entry = await manager.Cache.GetEncodedAsync(s_url.AbsoluteUri, TestContext.CancellationToken);
            if (entry?.Metadata.ETag == "\"A\"")
            {
                wrong++;
            }
        }

        Assert.AreEqual(0, wrong, $"rounds of {Rounds} that ended with the older version A on disk");
    }

    /// <summary>
    /// The app stores a newer version itself (Cache.StoreAsync, disk) right after a load whose store is deferred; a query
    /// that misses memory must not answer the pending older bytes, and the older store must not land over it.
    /// </summary>
    [TestMethod]
    public async Task AppStoreAfterALoad_PendingOlderStore_NeitherAnsweredNorLandsOverIt()
    {
        using var folder = new TempFolder();
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        manager.Loaders.Insert(0, new Versions());
        (await manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken)).Dispose();

        await manager.Cache.StoreAsync(s_url.AbsoluteUri, null, Versions.B, new DiskCacheMetadata { ETag = "\"B\"" }, ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);
        await manager.Cache.RemoveAsync(s_url.AbsoluteUri, ImageCacheType.Memory, cancellationToken: TestContext.CancellationToken);
        using (var hit = await manager.Cache.QueryAsync(s_url.AbsoluteUri, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual("\"B\"", hit?.Metadata?.ETag, "the query answers what was stored last");
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        var entry = await manager.Cache.GetEncodedAsync(s_url.AbsoluteUri, TestContext.CancellationToken);
        Assert.AreEqual("\"B\"", entry?.Metadata.ETag, "the app's store stays on disk");
    }

    /// <summary>README: "while a store waits, its bytes count as on disk": for ContainsAsync and GetEncodedAsync (which RefreshCached asks for the validators) too.</summary>
    [TestMethod]
    public async Task WhileAStoreWaits_ContainsAndGetEncoded_SeeItsBytes()
    {
        using var folder = new TempFolder();
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var loader = new Versions();
        manager.Loaders.Insert(0, loader);
        var disk = ((ImageCache)manager.Cache).Disk!;
        await disk.OpeningSweep;
        using (Caching.IndexWriteLock.Hold(folder.Path))
        {
            (await manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken)).Dispose();
            var contains = await manager.Cache.ContainsAsync(s_url.AbsoluteUri, ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);
            var encoded = await manager.Cache.GetEncodedAsync(s_url.AbsoluteUri, TestContext.CancellationToken);
            (await manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
            var faults = new List<string>();
            if (contains != ImageCacheType.Disk) faults.Add($"ContainsAsync(Disk) while the store waits: {contains}");
            if (encoded is null) faults.Add("GetEncodedAsync while the store waits: null");
            if (loader.SentETag != "\"A\"") faults.Add($"the refresh sent If-None-Match {loader.SentETag ?? "(none)"}: downloaded again");
            Assert.IsEmpty(faults, string.Join("; ", faults));
        }
    }

    /// <summary>
    /// Disk holds A (ETag "A"). A refresh gets A again (200) and defers its store of A with the metadata of then; a second
    /// refresh revalidates the disk's A and gets a 304 with a Last-Modified, written onto the disk entry; the deferred store
    /// of the first refresh lands afterwards and takes the 304's validators away.
    /// </summary>
    [TestMethod]
    public async Task NotModifiedRefresh_WhileAnEarlierRefreshsStoreIsDeferred_KeepsTheValidatorsItGot()
    {
        using var folder = new TempFolder();
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        var lastModified = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var loader = new Scripted(
            _ => new ImageLoaderResponse(s_url, Versions.A) { ETag = "\"A\"" },
            _ => new ImageLoaderResponse(s_url, Versions.A) { ETag = "\"A\"" },
            r => r.IfNoneMatch == "\"A\"" ? new ImageLoaderResponse(s_url, ReadOnlyMemory<byte>.Empty) { NotModified = true, ETag = "\"A\"", LastModified = lastModified } : throw new InvalidOperationException("no If-None-Match"));
        manager.Loaders.Insert(0, loader);
        (await manager.LoadImageAsync(s_url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
        (await manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
        using (var third = await manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Disk, third.Source, "a 304");
        }

        Assert.AreEqual(lastModified, (await manager.Cache.GetEncodedAsync(s_url.AbsoluteUri, TestContext.CancellationToken))?.Metadata.LastModified, "right after the 304");
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(lastModified, (await manager.Cache.GetEncodedAsync(s_url.AbsoluteUri, TestContext.CancellationToken))?.Metadata.LastModified, "after the deferred stores");
    }

    /// <summary>
    /// A custom cache whose removal fails with something other than ImageKitException/IOException (a remote or database
    /// cache): the removal of an image whose frame failed faults WhenUndecodableForgottenAsync, DisposeAsync rethrows it
    /// and skips waiting for the background disk stores (and disposing what it owns).
    /// </summary>
    [TestMethod]
    public async Task DisposeAsync_AfterAFrameFailureWhoseRemovalThrows_StillWaitsForTheDiskStores()
    {
        var broken = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", "undecodable-animation.gif"));
        var cache = new SlowStoreThrowingRemoveCache();
        using var downloader = new ImageDownloader(ImageManagerTests.s_fastDownloads);
        var manager = new ImageManager(cache, downloader);
        manager.Loaders.Insert(0, new Scripted(_ => new ImageLoaderResponse(s_url, broken)));
        using (var result = await manager.LoadImageAsync(s_url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.ThrowsExactly<ImageKit.Decoding.ImageDecodingException>(() => result.Image.GetFrame(0));
        }

        Exception? thrown = null;
        try
        {
            await manager.DisposeAsync();
        }
        catch (Exception e)
        {
            thrown = e;
        }

        var storedOnReturn = cache.DiskStores;
        Assert.IsTrue(thrown is null && storedOnReturn == 1, $"DisposeAsync threw {thrown?.GetType().Name}: {thrown?.Message}; disk stores finished when it returned: {storedOnReturn} of 1");
    }

    private sealed class SlowStoreThrowingRemoveCache() : ForwardingImageCache(new ImageCache())
    {
        private int _diskStores;

        public int DiskStores => Volatile.Read(ref _diskStores);

        public override Task<DiskCacheEntry?> GetEncodedAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult<DiskCacheEntry?>(null);

        public override async Task StoreAsync(string key, ImageKit.Decoding.AnimatedImage? image, ReadOnlyMemory<byte> encodedData, DiskCacheMetadata? metadata = null, ImageCacheType cacheType = ImageCacheType.All, ImageKit.Decoding.ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default)
        {
            await base.StoreAsync(key, image, encodedData, metadata, cacheType & ImageCacheType.Memory, decodeOptions, cancellationToken);
            if (cacheType.HasFlag(ImageCacheType.Disk) && !encodedData.IsEmpty)
            {
                await Task.Delay(300, CancellationToken.None);
                Interlocked.Increment(ref _diskStores);
            }
        }

        public override Task<bool> UpdateMetadataAsync(string key, DiskCacheMetadata metadata, CancellationToken cancellationToken = default) => Task.FromResult(false);

        public override Task<bool> RemoveAsync(string key, ImageCacheType cacheType = ImageCacheType.All, ImageKit.Decoding.ImageDecodeOptions? decodeOptions = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the remote cache is unreachable");
    }

    private sealed class Scripted(params Func<ImageLoaderRequest, ImageLoaderResponse>[] answers) : IImageLoader
    {
        private int _requests;

        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(answers[Math.Min(Interlocked.Increment(ref _requests) - 1, answers.Length - 1)](request));
    }

    /// <summary>Answers version A (ETag "A") first, then version B (ETag "B") to every later request.</summary>
    private sealed class Versions : IImageLoader
    {
        public static readonly byte[] A = Corpus.Read("TestImage.gif");
        public static readonly byte[] B = Corpus.Read("TestImage.png");
        private int _requests;

        public string? SentETag { get; private set; }

        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            SentETag ??= request.IfNoneMatch;
            var first = Interlocked.Increment(ref _requests) == 1;
            return Task.FromResult(new ImageLoaderResponse(request.Url, first ? A : B) { ETag = first ? "\"A\"" : "\"B\"" });
        }
    }
}
