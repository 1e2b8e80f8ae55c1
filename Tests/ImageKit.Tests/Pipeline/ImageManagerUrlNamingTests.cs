using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// How the SDK names a URL in its exceptions (<see cref="ImageKitException.SourceName"/>): as the caller gave it
/// (<see cref="Uri.OriginalString"/>), as the CLI shows it. <see cref="Uri.ToString"/> unescapes what it can, so
/// "no%20such%20image.gif" was named "no such image.gif" and "x%41" "xA": a name that is not the URL the caller passed,
/// and that cannot be looked up in its list of URLs.
/// </summary>
[TestClass]
public sealed class ImageManagerUrlNamingTests
{
    private const string Escaped = "no%20such%20image%41.gif";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_DownloadFails_NamesTheUrlAsGiven()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = new ImageManager(new ImageCacheOptions(), DownloadTestOptions.Fast(maxRetries: 0));
        var url = new Uri(server.Url("/img/").AbsoluteUri + Escaped);

        var error = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(url.OriginalString, error.SourceName);
    }

    [TestMethod]
    public async Task DownloadAsync_Fails_NamesTheUrlAsGiven()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast(maxRetries: 0));
        var url = new Uri(server.Url("/img/").AbsoluteUri + Escaped);

        var error = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => downloader.DownloadAsync(new ImageDownloadRequest(url), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(url.OriginalString, error.SourceName);
    }

    [TestMethod]
    public async Task LoadImageAsync_NoLoaderForTheScheme_NamesTheUrlAsGiven()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var url = new Uri("nope://host/" + Escaped);

        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(url.OriginalString, error.SourceName);
    }

    [TestMethod]
    public async Task LoadImageAsync_UndecodableBytes_NamesTheUrlAsGiven()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        manager.Loaders.Insert(0, new BytesLoader("GIF89a\x01\x00"u8.ToArray()));
        var url = new Uri("bytes://host/" + Escaped);

        var error = await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(url.OriginalString, error.SourceName);
    }

    [TestMethod]
    public async Task LoadImageAsync_MissingFile_NamesTheUrlAsGiven()
    {
        using var folder = new TempFolder();
        await using var manager = new ImageManager(new ImageCacheOptions());
        var url = new Uri(new Uri(folder.Path + "/").AbsoluteUri + Escaped);

        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual("file not found", error.Message);
        Assert.AreEqual(url.OriginalString, error.SourceName);
    }

    // The image keeps the name for the errors of its frames (AnimatedImage.SourceName), also when decoded from the disk
    // cache's copy, which names the URL the load gave.
    [TestMethod]
    public async Task LoadImageAsync_FromTheDiskCache_NamesTheImageByItsUrlAsGiven()
    {
        using var folder = new TempFolder();
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var cacheOptions = new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } };
        var url = new Uri(server.Url("/img/").AbsoluteUri + "Test%49mage.gif");
        await using (var manager = new ImageManager(cacheOptions))
        {
            using var loaded = await manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(url.OriginalString, loaded.Image.SourceName, "loaded from its URL");
        }

        await using var restarted = new ImageManager(cacheOptions);
        using var cached = await restarted.LoadImageAsync(url, new ImageLoadOptions { FromCacheOnly = true }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Disk, cached.Source);
        Assert.AreEqual(url.OriginalString, cached.Image.SourceName, "decoded from the disk cache");
    }

    private sealed class BytesLoader(byte[] data) : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "bytes";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ImageLoaderResponse(request.Url, data));
    }
}
