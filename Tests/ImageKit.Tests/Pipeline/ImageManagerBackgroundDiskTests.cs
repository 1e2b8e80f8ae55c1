using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A manager whose disk tier opens in the background (<see cref="ImageCacheOptions.OpenDiskInBackground"/>, as
/// <see cref="ImageManager.Shared"/>'s does) never blocks the thread that starts a load on the opening: a load that needs
/// the disk waits for it asynchronously, so a main thread that starts one at launch goes on at once.
/// </summary>
[TestClass]
public sealed class ImageManagerBackgroundDiskTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task FromNetworkOnly_DiskTierStillOpening_ReturnsItsTaskWithoutWaitingForTheIndex()
    {
        using var folder = await CacheFolderAsync();

        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/image", LoopbackServer.Bytes(Corpus.Read("arrow.png"), "image/png")), TestContext.CancellationToken);
        var url = server.Url("/image");
        Task<ImageLoadResult> loading;
        bool openedWhenTheCallReturned;
        ImageManager manager;
        var rebuild = HoldRebuildLock(folder.Path); // the index cannot open while this is held (up to its 10 s busy timeout)
        try
        {
            manager = new ImageManager(
                OpeningInBackground(folder),
                ImageManagerTests.s_fastDownloads);
            loading = manager.LoadImageAsync(url, new ImageLoadOptions { FromNetworkOnly = true }, cancellationToken: TestContext.CancellationToken);
            openedWhenTheCallReturned = ((ImageCache)manager.Cache).DiskAsync(CancellationToken.None).AsTask().IsCompleted;
        }
        finally
        {
            rebuild.Dispose();
        }

        await using (manager)
        {
            using var result = await loading.WaitAsync(s_wait, TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Network, result.Source);
            Assert.IsFalse(openedWhenTheCallReturned, "LoadImageAsync blocked its caller until the disk tier's index had opened (or given up)");
            await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
            Assert.AreEqual(ImageCacheType.Disk, await manager.Cache.ContainsAsync(url.AbsoluteUri, ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken), "stored on disk once it opened");
        }
    }

    [TestMethod]
    public async Task FromNetworkOnly_LoaderAnswersAtOnceOnAPoolThread_LoadAwaitsTheOpeningDiskInsteadOfBlockingTheThread()
    {
        // A loader that answers at once runs the load on to its store on the calling pool thread: there the load must not
        // wait for the disk tier's opening by blocking that thread (up to the index's 10 s busy timeout, a pool thread per
        // load), but await it.
        using var folder = await CacheFolderAsync();

        var url = new Uri("asset://at-once/image");
        Task<ImageLoadResult> loading;
        bool openedWhenTheCallReturned;
        ImageManager manager;
        var rebuild = HoldRebuildLock(folder.Path);
        try
        {
            manager = new ImageManager(
                OpeningInBackground(folder),
                ImageManagerTests.s_fastDownloads);
            manager.Loaders.Insert(0, new AtOnceLoader());
            var cache = (ImageCache)manager.Cache;
            (loading, openedWhenTheCallReturned) = await Task.Run(() =>
            {
                var load = manager.LoadImageAsync(url, new ImageLoadOptions { FromNetworkOnly = true }, cancellationToken: TestContext.CancellationToken);
                return (load, cache.DiskAsync(CancellationToken.None).AsTask().IsCompleted);
            }).WaitAsync(s_wait, TestContext.CancellationToken);
        }
        finally
        {
            rebuild.Dispose();
        }

        await using (manager)
        {
            using var result = await loading.WaitAsync(s_wait, TestContext.CancellationToken);
            Assert.IsFalse(openedWhenTheCallReturned, "the load blocked its pool thread until the disk tier's index had opened (or given up)");
            await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
            Assert.AreEqual(ImageCacheType.Disk, await manager.Cache.ContainsAsync(url.AbsoluteUri, ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken), "stored on disk once it opened");
        }
    }

    [TestMethod]
    public async Task FromNetworkOnlyThroughAChain_MembersDiskStillOpening_LoadAwaitsItInsteadOfBlockingThePoolThread()
    {
        using var folder = await CacheFolderAsync();

        var url = new Uri("asset://at-once/chained");
        Task<ImageLoadResult> loading;
        bool openedWhenTheCallReturned;
        ImageCache member;
        var rebuild = HoldRebuildLock(folder.Path);
        try
        {
            member = new ImageCache(OpeningInBackground(folder));
        }
        catch
        {
            rebuild.Dispose();
            throw;
        }

        await using (member)
        {
            using var downloader = new ImageKit.Loading.ImageDownloader(ImageManagerTests.s_fastDownloads);
            var manager = new ImageManager(new ImageCacheChain([member]), downloader);
            await using (manager)
            {
                manager.Loaders.Insert(0, new AtOnceLoader());
                try
                {
                    (loading, openedWhenTheCallReturned) = await Task.Run(() =>
                    {
                        var load = manager.LoadImageAsync(url, new ImageLoadOptions { FromNetworkOnly = true }, cancellationToken: TestContext.CancellationToken);
                        return (load, member.DiskAsync(CancellationToken.None).AsTask().IsCompleted);
                    }).WaitAsync(s_wait, TestContext.CancellationToken);
                }
                finally
                {
                    rebuild.Dispose();
                }

                using var result = await loading.WaitAsync(s_wait, TestContext.CancellationToken);
                Assert.IsFalse(openedWhenTheCallReturned, "the load blocked its pool thread until the chain member's index had opened (or given up)");
                await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
                Assert.AreEqual(ImageCacheType.Disk, await member.ContainsAsync(url.AbsoluteUri, ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken), "stored on disk once it opened");
            }
        }
    }

    private sealed class AtOnceLoader : ImageKit.Loading.IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public Task<ImageKit.Loading.ImageLoaderResponse> LoadAsync(ImageKit.Loading.ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ImageKit.Loading.ImageLoaderResponse(request.Url, Corpus.Read("TestImage.gif")));
    }

    // What a cache recreating a damaged index holds while it works: an exclusive OS lock on index.lock.
    // A cache folder whose index holds one entry, so that opening it has an index to open.
    private async Task<TempFolder> CacheFolderAsync()
    {
        var folder = new TempFolder();
        await using var disk = new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path });
        await disk.SetAsync("other", Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        return folder;
    }

    private static ImageCacheOptions OpeningInBackground(TempFolder folder) => new()
    {
        Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
        Disk = new DiskImageCacheOptions { Directory = folder.Path },
        OpenDiskInBackground = true,
    };

    private static FileStream HoldRebuildLock(string folder) =>
        new(Path.Combine(folder, "index.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
}
