using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A prefetched URL whose download waits out a retry (a <c>503</c> with <c>Retry-After</c>, up to 10 s, and up to three
/// times by default) does not hold one of the prefetcher's <see cref="ImagePrefetcher.MaxConcurrentPrefetches"/> meanwhile:
/// the other URLs of the list go on. It held it, so as many failing URLs as the limit (3) stopped the whole list for
/// their retries' waits, though the downloader lends its own slot out meanwhile.
/// </summary>
[TestClass]
public sealed class ImagePrefetcherRetryTests
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);
    private static ImageServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context)
    {
        s_server = await RetryAfterServer.StartAsync(RetryAfter, context.CancellationToken);
    }

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task PrefetchAsync_AsManyUrlsWaitingToRetryAsTheLimit_TheOtherUrlsGoOnMeanwhile()
    {
        var time = new RetryAfterClock(RetryAfter);
        await using var manager = ManagerOn(time);
        var prefetcher = new ImagePrefetcher(manager);
        Assert.AreEqual(3, prefetcher.MaxConcurrentPrefetches, "the default");
        Uri[] urls = [s_server.Url("/busy/a"), s_server.Url("/busy/b"), s_server.Url("/busy/c"), s_server.Url("/image/fine1"), s_server.Url("/image/fine2")];

        var prefetch = prefetcher.PrefetchAsync(urls, cancellationToken: TestContext.CancellationToken);

        // The three retries' waits are set (the clock stands still: none of them ends), and the other URLs are loaded.
        var othersWentOn = Leaks.Eventually(() => time.RetryWaits == 3 && s_server.Hits("/image/fine1") == 1 && s_server.Hits("/image/fine2") == 1, DownloadTestOptions.Patience);
        var state = $"{time.RetryWaits} retry waits set; requests: {string.Join(" ", s_server.Log)}";
        var retriesStillWaiting = s_server.Hits("/busy/a") + s_server.Hits("/busy/b") + s_server.Hits("/busy/c");
        Assert.IsTrue(Leaks.Eventually(() => time.RetryWaits == 3, DownloadTestOptions.Patience), $"{time.RetryWaits} retry waits set");
        time.Advance(RetryAfter);
        var result = await prefetch.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        Assert.IsTrue(othersWentOn, $"the three URLs waiting to retry held every prefetch slot: the rest of the list waited for them ({state})");
        Assert.AreEqual(3, retriesStillWaiting, $"the retries waited for their Retry-After meanwhile ({state})");
        Assert.AreEqual(new ImagePrefetchProgress(Finished: 5, Skipped: 0, Failed: 0, Total: 5), result.Progress, string.Join("; ", result.Failures.Select(f => f.Error.Message)));
    }

    // The prefetched URL's download was started by an app's load and already waits out its Retry-After when the prefetch
    // joins it: the prefetch's load waits out that retry all the same, and does not hold its place meanwhile either.
    [TestMethod]
    public async Task PrefetchAsync_UrlWhoseDownloadAlreadyWaitsToRetry_TheOtherUrlsGoOnMeanwhile()
    {
        var time = new RetryAfterClock(RetryAfter);
        await using var manager = ManagerOn(time);
        var prefetcher = new ImagePrefetcher(manager) { MaxConcurrentPrefetches = 1 };
        var busy = s_server.Url("/busy/joined");

        using var shown = manager.LoadImageAsync(busy, cancellationToken: TestContext.CancellationToken);
        await time.RetryWait.Task.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var prefetch = prefetcher.PrefetchAsync([busy, s_server.Url("/image/after-joined")], cancellationToken: TestContext.CancellationToken);

        // The clock stands still: the retry's wait does not end until the other URL has been loaded.
        var otherWentOn = Leaks.Eventually(() => s_server.Hits("/image/after-joined") == 1, DownloadTestOptions.Patience);
        var state = $"requests: {string.Join(" ", s_server.Log)}";
        time.Advance(RetryAfter);
        using var result = await shown.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        var prefetched = await prefetch.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);

        Assert.IsTrue(otherWentOn, $"the URL whose download waited to retry held the only prefetch place ({state})");
        Assert.AreEqual(2, s_server.Hits("/busy/joined"), "one download, retried once, for the app's load and the prefetch");
        Assert.AreEqual(new ImagePrefetchProgress(Finished: 2, Skipped: 0, Failed: 0, Total: 2), prefetched.Progress, string.Join("; ", prefetched.Failures.Select(f => f.Error.Message)));
    }

    // The limit still holds for loads that do not wait: never more than MaxConcurrentPrefetches at once.
    [TestMethod]
    public async Task PrefetchAsync_LoadsThatDoNotWaitToRetry_NeverExceedTheLimit()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        using var loader = new GatedLoader();
        manager.Loaders.Insert(0, loader);
        var prefetcher = new ImagePrefetcher(manager) { MaxConcurrentPrefetches = 2 };
        var urls = Enumerable.Range(0, 6).Select(i => new Uri($"gated://images/{i}.gif")).ToArray();

        var prefetch = prefetcher.PrefetchAsync(urls, cancellationToken: TestContext.CancellationToken);
        for (var done = 0; done < urls.Length; done++)
        {
            var expected = Math.Min(2, urls.Length - done);
            Assert.IsTrue(Leaks.Eventually(() => loader.Current == expected, DownloadTestOptions.Patience), $"{loader.Current} loads at once after {done} ended, expected {expected}");
            loader.ReleaseOne();
        }

        var result = await prefetch.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken);
        Assert.AreEqual(new ImagePrefetchProgress(Finished: 6, Skipped: 0, Failed: 0, Total: 6), result.Progress);
        Assert.AreEqual(2, loader.Most, "the most loads at once");
    }

    // Cancelled while its places are taken, the prefetch starts no further URL, aborts those in flight and throws.
    [TestMethod]
    public async Task PrefetchAsync_CancelledWhileEveryPlaceIsTaken_StartsNoMoreUrlsAndThrows()
    {
        await using var manager = new ImageManager(new ImageCacheOptions());
        using var loader = new GatedLoader();
        manager.Loaders.Insert(0, loader);
        var prefetcher = new ImagePrefetcher(manager) { MaxConcurrentPrefetches = 2 };
        var urls = Enumerable.Range(0, 6).Select(i => new Uri($"gated://cancelled/{i}.gif")).ToArray();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);

        var prefetch = prefetcher.PrefetchAsync(urls, cancellationToken: cts.Token);
        Assert.IsTrue(Leaks.Eventually(() => loader.Current == 2, DownloadTestOptions.Patience), $"{loader.Current} loads at once");
        await cts.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => prefetch.WaitAsync(DownloadTestOptions.Patience, TestContext.CancellationToken));
        Assert.AreEqual(2, loader.Started, "no URL started after the cancellation");
        Assert.IsTrue(Leaks.Eventually(() => loader.Current == 0, DownloadTestOptions.Patience), "the loads in flight were aborted");
    }

    private sealed class GatedLoader : IImageLoader, IDisposable
    {
        private readonly SemaphoreSlim _release = new(0);
        private int _current;
        private int _most;
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public int Current => Volatile.Read(ref _current);

        public int Most => Volatile.Read(ref _most);

        public void ReleaseOne() => _release.Release();

        public void Dispose() => _release.Dispose();

        public bool CanLoad(Uri url) => url.Scheme == "gated";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _started);
            var now = Interlocked.Increment(ref _current);
            for (var most = Most; now > most && Interlocked.CompareExchange(ref _most, now, most) != most; most = Most)
            {
            }

            try
            {
                await _release.WaitAsync(cancellationToken);
                return new ImageLoaderResponse(request.Url, ImageServer.Gif);
            }
            finally
            {
                Interlocked.Decrement(ref _current);
            }
        }
    }

    // A manager whose retries wait out the server's Retry-After on the test's clock.
    private static ImageManager ManagerOn(RetryAfterClock time)
    {
        var downloader = DownloadTestOptions.Fast();
        downloader.Retry.MaxDelay = RetryAfter;
        downloader.AttemptTimeout = TimeSpan.FromMinutes(10);
        downloader.TimeProvider = time;
        return new ImageManager(new ImageCacheOptions(), downloader);
    }
}
