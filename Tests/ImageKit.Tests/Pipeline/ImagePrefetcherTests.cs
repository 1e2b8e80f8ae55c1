using System.Collections.Concurrent;
using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

[TestClass]
public sealed class ImagePrefetcherTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task PrefetchAsync_MixedUrls_CountsFinishedSkippedAndFailed()
    {
        var dir = Directory.CreateTempSubdirectory("imagekit-prefetch-").FullName;
        try
        {
            await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
            await using var manager = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = dir } });
            (await manager.LoadImageAsync(server.Image("TestImage.png"), cancellationToken: TestContext.CancellationToken)).Dispose();
            var prefetcher = new ImagePrefetcher(manager) { MaxConcurrentPrefetches = 2 };
            var reports = new ConcurrentQueue<ImagePrefetchProgress>();
            var urls = new[] { server.Image("TestImage.gif"), server.Image("TestImage.png"), server.Image("TestImageAnimated.webp"), server.Url("/missing") };

            var result = await prefetcher.PrefetchAsync(urls, new SynchronousProgress<ImagePrefetchProgress>(reports.Enqueue), TestContext.CancellationToken);

            Assert.AreEqual(new ImagePrefetchProgress(Finished: 2, Skipped: 1, Failed: 1, Total: 4), result.Progress);
            Assert.AreEqual(server.Url("/missing"), result.Failures.Single().Url);
            Assert.HasCount(4, reports);
            Assert.AreEqual(1, server.ImageHits("TestImage.png"), "the cached URL was skipped");
            Assert.AreEqual(ImageCacheType.Disk, await manager.Cache.ContainsAsync(server.Image("TestImage.gif").AbsoluteUri, ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public async Task PrefetchAsync_Cancelled_Throws()
    {
        await using var manager = new ImageManager();
        var prefetcher = new ImagePrefetcher(manager);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => prefetcher.PrefetchAsync([new Uri("http://127.0.0.1:9/a.gif")], cancellationToken: cts.Token));
    }

    // Promise (PrefetchAsync): a URL is skipped when it "is there already", else loaded into the caches. The check looked
    // for the full-size image whatever the prefetch's decode options: with a thumbnail size (and no disk tier to make it
    // from), a URL whose full image was in memory was skipped and its thumbnail never cached, and a URL whose thumbnail
    // was cached was loaded again and counted as finished.
    [TestMethod]
    public async Task PrefetchAsync_ThumbnailOptions_SkipsByTheThumbnailNotTheFullImage()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = new ImageManager(new ImageCacheOptions());
        var thumbnail = new ImageLoadOptions { ThumbnailPixelSize = new System.Drawing.Size(24, 24), CacheType = ImageCacheType.Memory };
        var prefetcher = new ImagePrefetcher(manager) { Options = thumbnail };
        var full = server.Image("TestImage.png");
        var thumbnailOnly = server.Image("TestImage.gif");
        (await manager.LoadImageAsync(full, cancellationToken: TestContext.CancellationToken)).Dispose();
        (await manager.LoadImageAsync(thumbnailOnly, thumbnail, cancellationToken: TestContext.CancellationToken)).Dispose();

        var result = await prefetcher.PrefetchAsync([full, thumbnailOnly], cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(new ImagePrefetchProgress(Finished: 1, Skipped: 1, Failed: 0, Total: 2), result.Progress, "the full image is no thumbnail; the cached thumbnail is");
        using var cached = await manager.LoadImageAsync(full, thumbnail with { FromCacheOnly = true }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Memory, cached.Source, "the prefetch put the thumbnail in the cache");
        var again = await prefetcher.PrefetchAsync([full, thumbnailOnly], cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(new ImagePrefetchProgress(Finished: 0, Skipped: 2, Failed: 0, Total: 2), again.Progress, "both thumbnails are cached now");
    }

    // Promise (PrefetchAsync): progress says how far the prefetch has come. Each finished URL reported from its own
    // worker, at once: a handler still showing one report when the next came (a UI's synchronous Invoke, say) was
    // called again meanwhile, and the older counts landed last, so the app was left showing 1 of 2 done after both were.
    // Reports now come one at a time, in the order of the counts, the last one the final counts.
    [TestMethod]
    public async Task PrefetchAsync_SlowProgressHandler_ReportsOneAtATimeInOrder()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = new ImageManager(new ImageCacheOptions());
        var urls = new[] { server.Image("TestImage.gif"), server.Image("TestImage.png") };
        foreach (var url in urls)
        {
            (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        }

        var prefetcher = new ImagePrefetcher(manager) { MaxConcurrentPrefetches = 2 };
        var shown = new ConcurrentQueue<int>();
        var inHandler = 0;
        var overlapped = false;
        using var secondShown = new ManualResetEventSlim();
        var progress = new SynchronousProgress<ImagePrefetchProgress>(p =>
        {
            overlapped |= Interlocked.Increment(ref inHandler) > 1;
            if (p.Completed == 1)
            {
                // Still showing the first report: given the time for a second report to come in beside it (it does
                // at once where reports overlap; serialized, it waits until this one is shown).
                secondShown.Wait(TimeSpan.FromSeconds(2), TestContext.CancellationToken);
            }

            shown.Enqueue(p.Completed);
            Interlocked.Decrement(ref inHandler);
            if (p.Completed == 2)
            {
                secondShown.Set();
            }
        });

        var result = await prefetcher.PrefetchAsync(urls, progress, TestContext.CancellationToken);

        Assert.AreEqual(new ImagePrefetchProgress(Finished: 0, Skipped: 2, Failed: 0, Total: 2), result.Progress);
        Assert.IsFalse(overlapped, "the handler was called again before it returned");
        CollectionAssert.AreEqual(new[] { 1, 2 }, shown.ToArray(), "shown in order, the final counts last");
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    // Promise (ImagePrefetcher.PrefetchAsync): "Failures are counted and collected, never thrown". A progress handler
    // that throws makes PrefetchAsync throw the handler's exception (and counts the finished URL as failed too).
    [TestMethod]
    public async Task PrefetchAsync_ProgressHandlerThrows_NeverThrowsAndCountsEachUrlOnce()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = new ImageManager(new ImageCacheOptions());
        var prefetcher = new ImagePrefetcher(manager) { Options = new ImageLoadOptions { CacheType = ImageCacheType.Memory } };
        var progress = new SynchronousProgress<ImagePrefetchProgress>(_ => throw new InvalidOperationException("handler bug"));

        var result = await prefetcher.PrefetchAsync([server.Image("TestImage.gif"), server.Image("TestImage.png")], progress, TestContext.CancellationToken);

        Assert.AreEqual(new ImagePrefetchProgress(Finished: 2, Skipped: 0, Failed: 0, Total: 2), result.Progress, "the handler's exceptions neither escape nor turn finished URLs into failures");
    }

    // Promise (ImagePrefetchProgress): each URL is counted once, as finished, skipped or failed. The one exception a
    // progress handler's call lets through (OutOfMemoryException) was caught as the URL's own failure: the URL counted as
    // finished and failed both, and a load that worked was listed among the failures. It now leaves the prefetch.
    [TestMethod]
    public async Task PrefetchAsync_ProgressHandlerThrowsOutOfMemory_DoesNotCountTheUrlAgainAsFailed()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = new ImageManager(new ImageCacheOptions());
        var prefetcher = new ImagePrefetcher(manager) { Options = new ImageLoadOptions { CacheType = ImageCacheType.Memory } };
        var reports = new ConcurrentQueue<ImagePrefetchProgress>();
        var progress = new SynchronousProgress<ImagePrefetchProgress>(p =>
        {
            reports.Enqueue(p);
            throw new InsufficientMemoryException("the handler's own"); // an OutOfMemoryException (MemoryFailPoint throws it)
        });

        var prefetch = prefetcher.PrefetchAsync([server.Image("TestImage.gif")], progress, TestContext.CancellationToken);

        var thrown = await Assert.ThrowsAsync<InsufficientMemoryException>(() => prefetch, "not collected as a failure of the URL");
        Assert.AreEqual("the handler's own", thrown.Message);
        Assert.AreEqual(new ImagePrefetchProgress(Finished: 1, Skipped: 0, Failed: 0, Total: 1), reports.Single(), "the URL counted once");
    }

    // Promise (ImagePrefetcher.Options): a load that waits for its disk store, "so that a finished prefetch is on disk";
    // a URL is skipped when it "is there already". An image held in the memory cache only (loaded memory-only, or its
    // disk copy evicted or cleared) counted as there: the prefetch skipped it, and after a restart it was gone. It is
    // skipped now only when it is where the prefetch's load would put it: on disk, when that load stores on disk.
    [TestMethod]
    public async Task PrefetchAsync_ImageInMemoryOnly_LoadsItOntoTheDisk()
    {
        using var folder = new TempFolder();
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var cacheOptions = new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } };
        var url = server.Image("TestImage.gif");
        await using (var manager = new ImageManager(cacheOptions))
        {
            (await manager.LoadImageAsync(url, new ImageLoadOptions { CacheType = ImageCacheType.Memory }, cancellationToken: TestContext.CancellationToken)).Dispose();
            Assert.AreEqual(ImageCacheType.Memory, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken), "in memory only");

            var result = await new ImagePrefetcher(manager).PrefetchAsync([url], cancellationToken: TestContext.CancellationToken);

            Assert.AreEqual(new ImagePrefetchProgress(Finished: 1, Skipped: 0, Failed: 0, Total: 1), result.Progress);
            Assert.AreEqual(2, server.ImageHits("TestImage.gif"), "loaded again: its bytes were nowhere but at the URL");
            var again = await new ImagePrefetcher(manager).PrefetchAsync([url], cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(new ImagePrefetchProgress(Finished: 0, Skipped: 1, Failed: 0, Total: 1), again.Progress, "on disk now");
        }

        // The app restarts: the prefetched image is still there.
        await using var restarted = new ImageManager(cacheOptions);
        using var cached = await restarted.LoadImageAsync(url, new ImageLoadOptions { FromCacheOnly = true }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Disk, cached.Source);
    }

    // Where the prefetch's load would not store on disk, a memory hit is where it would put the image: skipped, as
    // before. Here the prefetch's options keep it in memory; the built-in file and data loaders never store on disk.
    [TestMethod]
    public async Task PrefetchAsync_ImageInMemoryWhereTheLoadWouldNotStoreOnDisk_SkipsIt()
    {
        using var folder = new TempFolder();
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } });
        var memoryOnly = new ImageLoadOptions { CacheType = ImageCacheType.Memory };
        var http = server.Image("TestImage.gif");
        var file = new Uri(Corpus.PathOf("TestImage.png"));
        (await manager.LoadImageAsync(http, memoryOnly, cancellationToken: TestContext.CancellationToken)).Dispose();
        (await manager.LoadImageAsync(file, cancellationToken: TestContext.CancellationToken)).Dispose();

        var memoryPrefetch = await new ImagePrefetcher(manager) { Options = memoryOnly }.PrefetchAsync([http], cancellationToken: TestContext.CancellationToken);
        var filePrefetch = await new ImagePrefetcher(manager).PrefetchAsync([file], cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(new ImagePrefetchProgress(Finished: 0, Skipped: 1, Failed: 0, Total: 1), memoryPrefetch.Progress, "a memory-only prefetch");
        Assert.AreEqual(new ImagePrefetchProgress(Finished: 0, Skipped: 1, Failed: 0, Total: 1), filePrefetch.Progress, "a file: URL, never stored on disk");
        Assert.AreEqual(1, server.ImageHits("TestImage.gif"));
    }
}
