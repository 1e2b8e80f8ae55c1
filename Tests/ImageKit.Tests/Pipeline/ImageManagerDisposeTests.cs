using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// What disposing a manager does to the loads still running: it cancels them, does not wait for a loader (the app's
/// code) that ignores its token, and returns only once every load has ended, so that none touches the caches or the
/// downloader afterwards.
/// </summary>
[TestClass]
public sealed class ImageManagerDisposeTests
{
    public TestContext TestContext { get; set; } = null!;

    // Promise (ImageManager.DisposeAsync): disposing cancels the loads in flight, wherever they are, and their callers get
    // OperationCanceledException. A custom loader that ignored its token held its load: DisposeAsync returned with the
    // load still pending, and it ended (or not) whenever the loader did.
    [TestMethod]
    public async Task DisposeAsync_LoaderIgnoresItsToken_EndsTheLoadCancelledWithoutWaitingForTheLoader()
    {
        using var cache = new ImageCache(new ImageCacheOptions());
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var manager = new ImageManager(cache, downloader);
        var loader = new StubbornLoader();
        manager.Loaders.Insert(0, loader);
        var url = new Uri("stubborn://host/a.gif");
        var load = manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        try
        {
            // Bounded: a DisposeAsync that waited for the loader would wait for ever.
            await manager.DisposeAsync().AsTask().WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

            Assert.IsTrue(load.IsCompleted, "DisposeAsync returned with the load still waiting for its loader");
            await Assert.ThrowsAsync<OperationCanceledException>(() => load);
        }
        finally
        {
            loader.Release.TrySetResult();
        }

        await loader.Returned.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.None, await cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken), "what the loader returned late is dropped");
    }

    [TestMethod]
    public async Task Dispose_LoaderIgnoresItsToken_EndsTheLoadCancelledWithoutWaitingForTheLoader()
    {
        var manager = new ImageManager(new ImageCacheOptions());
        var loader = new StubbornLoader();
        manager.Loaders.Insert(0, loader);
        var load = manager.LoadImageAsync(new Uri("stubborn://host/b.gif"), cancellationToken: TestContext.CancellationToken);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        try
        {
            await Task.Run(manager.Dispose, TestContext.CancellationToken).WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

            Assert.IsTrue(load.IsCompleted, "Dispose returned with the load still waiting for its loader");
            await Assert.ThrowsAsync<OperationCanceledException>(() => load);
        }
        finally
        {
            loader.Release.TrySetResult();
        }
    }

    // Promise (LoadImageAsync): the token "cancels the load". With a loader that ignored it, the caller waited for the
    // loader all the same.
    [TestMethod]
    public async Task LoadImageAsync_CancelledWhileTheLoaderIgnoresItsToken_EndsAtOnceWithTheCallersToken()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        var loader = new StubbornLoader();
        manager.Loaders.Insert(0, loader);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var load = manager.LoadImageAsync(new Uri("stubborn://host/c.gif"), cancellationToken: cts.Token);
        await loader.Entered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        try
        {
            await cts.CancelAsync();

            var e = await Assert.ThrowsAsync<OperationCanceledException>(() => load.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken));
            Assert.AreEqual(cts.Token, e.CancellationToken, "the caller's token");
        }
        finally
        {
            loader.Release.TrySetResult();
        }
    }

    // Promise (ImageManager.DisposeAsync): once it returns, no load of the manager runs: a load that was storing its
    // image went on doing so after DisposeAsync had returned, into a cache the app may be disposing or clearing by then.
    [TestMethod]
    public async Task DisposeAsync_LoadStoringItsImage_ReturnsOnlyOnceTheLoadHasEnded()
    {
        using var inner = new ImageCache(new ImageCacheOptions());
        var cache = new BlockingStoreCache(inner);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var manager = new ImageManager(cache, downloader);
        manager.Loaders.Insert(0, new StubbornLoader { Immediate = true });
        var load = manager.LoadImageAsync(new Uri("stubborn://host/d.gif"), cancellationToken: TestContext.CancellationToken);
        await cache.StoreEntered.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        var dispose = manager.DisposeAsync().AsTask();

        // The store is let go once its token says the manager is closing, and once a DisposeAsync that does not wait
        // for loads would have returned: the store must still have ended first.
        await cache.StoreCancelled.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.CancellationToken));
        cache.Release.TrySetResult();
        await dispose.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        Assert.IsTrue(cache.StoreEnded, "DisposeAsync returned while a load was still storing its image");
        Assert.IsTrue(load.IsCompleted, "the load had ended");
        if (load.IsCompletedSuccessfully)
        {
            // Its image was stored before the cancellation could stop it: the load returned it.
            load.Result.Dispose();
        }
    }

    // Promise (ImageManager.Dispose): once it returns, nothing of the manager touches the caches, and a cache passed in
    // can be disposed right after. A prefetch through a disposed manager still asked the app's cache whether it held
    // each URL (ImageManager.PrefetchOptionsAsync was outside the loads Dispose waits for and shuts out).
    [TestMethod]
    public async Task PrefetchAsync_AfterDispose_DoesNotTouchTheCache()
    {
        using var inner = new ImageCache(new ImageCacheOptions());
        var cache = new BlockingStoreCache(inner);
        using var downloader = new ImageDownloader(DownloadTestOptions.Fast());
        var manager = new ImageManager(cache, downloader);
        var prefetcher = new ImagePrefetcher(manager);
        manager.Dispose();

        var result = await prefetcher.PrefetchAsync([new Uri("http://imagekit.test/e.gif")], cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(0, cache.ContainsCalls, "the disposed manager's prefetch asked the cache");
        Assert.AreEqual(1, result.Progress.Failed);
        Assert.IsInstanceOfType<ObjectDisposedException>(result.Failures[0].Error);
    }

    // A loader that ignores its token: it returns only when released.
    private sealed class StubbornLoader : IImageLoader
    {
        public bool Immediate { get; init; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Returned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool CanLoad(Uri url) => url.Scheme == "stubborn";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            if (!Immediate)
            {
                await Release.Task.ConfigureAwait(false);
            }

            Returned.TrySetResult();
            return new ImageLoaderResponse(request.Url, Corpus.Read("TestImage.gif"));
        }
    }
}
