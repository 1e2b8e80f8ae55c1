using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;

namespace ImageKit.Tests.Pipeline;

/// <summary>How a load cancelled by its caller ends: what it throws, and what it leaves in the caches.</summary>
[TestClass]
public sealed class ImageManagerCancellationTests
{
    public TestContext TestContext { get; set; } = null!;

    // Promise (LoadImageAsync, .NET convention): a load cancelled through the caller's token throws an
    // OperationCanceledException carrying that token, so `catch (OperationCanceledException e) when (e.CancellationToken
    // == token)` tells it from other cancellations. It carried the manager's internal linked token instead.
    [TestMethod]
    public async Task LoadImageAsync_CancelledWhileDownloading_ThrowsWithTheCallersToken()
    {
        await using var server = await ImageServer.StartAsync((_, _) => { }, TestContext.CancellationToken);
        await using var manager = new ImageManager(new ImageCacheOptions(), DownloadTestOptions.Fast());
        var gate = server.GateFor("cancel-token");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);

        var load = manager.LoadImageAsync(server.Url("/gate/cancel-token"), cancellationToken: cts.Token);
        await gate.Arrived.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await cts.CancelAsync();

        var e = await Assert.ThrowsAsync<OperationCanceledException>(() => load);
        Assert.AreEqual(cts.Token, e.CancellationToken, "the caller's token");
    }

    // The same for a load in a loader that is not the downloader (a custom one, file, data): the loader sees the linked
    // token and throws with it.
    [TestMethod]
    public async Task LoadImageAsync_CancelledInACustomLoader_ThrowsWithTheCallersToken()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var loader = new GatedLoader();
        manager.Loaders.Insert(0, loader);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);

        var load = manager.LoadImageAsync(new Uri("gated://x/1"), cancellationToken: cts.Token);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await cts.CancelAsync();

        var e = await Assert.ThrowsAsync<OperationCanceledException>(() => load);
        Assert.AreEqual(cts.Token, e.CancellationToken, "the caller's token");
    }

    // Promise (ImageManager): "Nothing that failed or was cancelled is stored." A load that waits for its disk store (as
    // every prefetch does) and is cancelled once the store has begun threw OperationCanceledException, but the memory
    // cache kept its image: the memory tier was written first, and the cancellation hit the disk write after it.
    [TestMethod]
    public async Task LoadImageAsync_WaitingForTheDiskStoreCancelledWhenTheStoreBegins_StoresNothing()
    {
        using var folder = new TempFolder();
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } });
        manager.Loaders.Insert(0, new AssetLoader());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var url = new Uri("asset://images/store-cancelled.gif");

        // The listener is process-wide: only this test's own trace cancels, as its store stage begins.
        using var trace = new TestTrace(started: activity =>
        {
            if (activity.OperationName == "ImageKit.Store")
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAsync<OperationCanceledException>(() => manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: cts.Token));
        trace.Root.Stop();

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.None, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken), "the cancelled load left nothing in either tier");
    }

    // Promise (README, WaitForDiskStore): a load cancelled while it waits for its disk store leaves nothing in either tier,
    // and one whose bytes are on disk is done. Cancelled right as the original bytes were committed, a load that also
    // stores its transformed result threw OperationCanceledException from that second store: the caller was told
    // "cancelled" about a load whose bytes were on disk, and the memory tier (written last) never got its image.
    [TestMethod]
    public async Task LoadImageAsync_WaitingForTheDiskStoreCancelledOnceTheOriginalIsCommitted_ReturnsItsImage()
    {
        using var folder = new TempFolder();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var disk = new DiskImageCacheOptions
        {
            Directory = folder.Path,
            BeforeIndexCommit = connection =>
            {
                // The first transaction that holds an entry: the original's, which commits right after this.
                using var count = connection.CreateCommand();
                count.CommandText = "SELECT count(*) FROM entries";
                if ((long)count.ExecuteScalar()! > 0 && !cts.IsCancellationRequested)
                {
                    cts.Cancel();
                }
            },
        };
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = disk });
        manager.Loaders.Insert(0, new AssetLoader("TestImage.png"));
        var url = new Uri("asset://images/committed-then-cancelled.png");
        var thumbnail = new ImageLoadOptions { WaitForDiskStore = true, Transformers = [new ResizeTransformer(new System.Drawing.Size(48, 48))] };

        using (var result = await manager.LoadImageAsync(url, thumbnail, cancellationToken: cts.Token))
        {
            Assert.IsTrue(cts.IsCancellationRequested, "cancelled during the load");
            Assert.AreEqual((48, 48), (result.Image.PixelWidth, result.Image.PixelHeight));
        }

        Assert.IsNotNull(await manager.Cache.GetEncodedAsync(url.AbsoluteUri, TestContext.CancellationToken), "the original's bytes are on disk");
        using var again = await manager.LoadImageAsync(url, thumbnail with { WaitForDiskStore = false }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Memory, again.Source, "the memory tier got the image");
    }

    private sealed class GatedLoader : IImageLoader
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool CanLoad(Uri url) => url.Scheme == "gated";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new ImageLoaderResponse(request.Url, ImageServer.Gif);
        }
    }
}
