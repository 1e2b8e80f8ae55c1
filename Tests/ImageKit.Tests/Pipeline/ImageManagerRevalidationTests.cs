using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A 304 refreshes the validators of the bytes that were revalidated, and of no others: another cache on the folder (another
/// process) may store a different version of the image while the request is out.
/// </summary>
[TestClass]
public sealed class ImageManagerRevalidationTests
{
    private static readonly Uri s_url = new("asset://revalidated/image");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task RefreshCached_AnotherCacheStoresANewVersionDuringThe304_NewVersionKeepsItsOwnValidators()
    {
        using var folder = new TempFolder();
        var versionA = Corpus.Read("TestImage.gif");
        var versionB = Corpus.Read("TestImage.png");
        using var other = new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path });
        await other.SetAsync(s_url.AbsoluteUri, versionA, new DiskCacheMetadata { ETag = "\"A\"" }, TestContext.CancellationToken);

        // The other process stores version B (ETag "B") after this load read version A and before the server's 304 for "A".
        var loader = new Answers304(() => other.SetAsync(s_url.AbsoluteUri, versionB, new DiskCacheMetadata { ETag = "\"B\"" }, TestContext.CancellationToken));
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        manager.Loaders.Insert(0, loader);

        using (var refreshed = await manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true, ReturnEncodedData = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Disk, refreshed.Source);
            CollectionAssert.AreEqual(versionA, refreshed.EncodedData!.Value.ToArray(), "the load returns the bytes the server confirmed");
        }

        Assert.AreEqual("\"A\"", loader.SentETag);
        var entry = await other.GetAsync(s_url.AbsoluteUri, TestContext.CancellationToken);
        Assert.IsNotNull(entry);
        CollectionAssert.AreEqual(versionB, entry.Data);
        Assert.AreEqual("\"B\"", entry.Metadata.ETag, "A's validators must not be attached to B's bytes");
    }

    [TestMethod]
    public async Task RefreshCached_304WithANewETag_RefreshesTheEntryItRevalidated()
    {
        using var folder = new TempFolder();
        var versionA = Corpus.Read("TestImage.gif");
        using var other = new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path });
        await other.SetAsync(s_url.AbsoluteUri, versionA, new DiskCacheMetadata { ETag = "\"A\"" }, TestContext.CancellationToken);

        var loader = new Answers304(() => Task.CompletedTask) { LastModified = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) };
        await using var manager = ImageManagerTests.NewManager(folder.Path);
        manager.Loaders.Insert(0, loader);
        (await manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken)).Dispose();

        var entry = await other.GetAsync(s_url.AbsoluteUri, TestContext.CancellationToken);
        Assert.IsNotNull(entry);
        CollectionAssert.AreEqual(versionA, entry.Data);
        Assert.AreEqual(loader.LastModified, entry.Metadata.LastModified, "the 304's validators are kept with the bytes it confirmed");
    }

    [TestMethod]
    public async Task RefreshCached_ChainOfCachesOneOfWhichGetsANewVersionDuringThe304_OnlyTheRevalidatedCopyIsRefreshed()
    {
        using var first = new TempFolder();
        using var second = new TempFolder();
        var versionA = Corpus.Read("TestImage.gif");
        var versionB = Corpus.Read("TestImage.png");
        using var firstCache = new ImageCache(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = first.Path } });
        using var secondCache = new ImageCache(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = second.Path } });
        using var otherOnSecond = new DiskImageCache(new DiskImageCacheOptions { Directory = second.Path });
        foreach (var folder in new[] { first.Path, second.Path })
        {
            using var disk = new DiskImageCache(new DiskImageCacheOptions { Directory = folder });
            await disk.SetAsync(s_url.AbsoluteUri, versionA, new DiskCacheMetadata { ETag = "\"A\"" }, TestContext.CancellationToken);
        }

        var loader = new Answers304(() => otherOnSecond.SetAsync(s_url.AbsoluteUri, versionB, new DiskCacheMetadata { ETag = "\"B\"" }, TestContext.CancellationToken))
        {
            LastModified = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        };
        using var downloader = new ImageDownloader(ImageManagerTests.s_fastDownloads);
        await using var manager = new ImageManager(new ImageCacheChain([firstCache, secondCache]), downloader);
        manager.Loaders.Insert(0, loader);
        (await manager.LoadImageAsync(s_url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken)).Dispose();

        var refreshed = await firstCache.GetEncodedAsync(s_url.AbsoluteUri, TestContext.CancellationToken);
        Assert.AreEqual(loader.LastModified, refreshed?.Metadata.LastModified, "the first cache held the revalidated bytes");
        var replaced = await otherOnSecond.GetAsync(s_url.AbsoluteUri, TestContext.CancellationToken);
        CollectionAssert.AreEqual(versionB, replaced?.Data);
        Assert.AreEqual("\"B\"", replaced!.Metadata.ETag, "the second cache's new version keeps its own validators");
        Assert.IsNull(replaced.Metadata.LastModified);
    }

    /// <summary>Answers every request 304 Not Modified for the ETag it was sent, after running <paramref name="beforeAnswer"/>.</summary>
    private sealed class Answers304(Func<Task> beforeAnswer) : IImageLoader
    {
        public string? SentETag { get; private set; }

        public DateTimeOffset? LastModified { get; init; }

        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            SentETag = request.IfNoneMatch;
            await beforeAnswer();
            return new ImageLoaderResponse(request.Url, ReadOnlyMemory<byte>.Empty) { NotModified = true, ETag = request.IfNoneMatch, LastModified = LastModified };
        }
    }
}
