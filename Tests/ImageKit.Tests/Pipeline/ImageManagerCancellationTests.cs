using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;

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
