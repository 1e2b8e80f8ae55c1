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
        using var folder = new TempFolder();
        await using (var disk = new DiskImageCache(new DiskImageCacheOptions { Directory = folder.Path }))
        {
            await disk.SetAsync("other", Corpus.Read("TestImage.gif"), cancellationToken: TestContext.CancellationToken);
        }

        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/image", LoopbackServer.Bytes(Corpus.Read("arrow.png"), "image/png")), TestContext.CancellationToken);
        var url = server.Url("/image");
        Task<ImageLoadResult> loading;
        bool openedWhenTheCallReturned;
        ImageManager manager;
        var rebuild = HoldRebuildLock(folder.Path); // the index cannot open while this is held (up to its 10 s busy timeout)
        try
        {
            manager = new ImageManager(
                new ImageCacheOptions
                {
                    Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
                    Disk = new DiskImageCacheOptions { Directory = folder.Path },
                    OpenDiskInBackground = true,
                },
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

    // What a cache recreating a damaged index holds while it works: an exclusive OS lock on index.lock.
    private static FileStream HoldRebuildLock(string folder) =>
        new(Path.Combine(folder, "index.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
}
