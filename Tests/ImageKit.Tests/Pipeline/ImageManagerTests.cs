using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

[TestClass]
public sealed class ImageManagerTests
{
    /// <summary>One retry after a few milliseconds: failures surface fast. Shared with the other manager test classes.</summary>
    internal static readonly ImageDownloaderOptions s_fastDownloads = new()
    {
        Retry = new ImageDownloadRetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) },
        AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    private string _cacheDir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-manager-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    /// <summary>
    /// A manager with its own memory cache (no trimming on memory pressure: other tests' allocations must not evict
    /// entries) and a disk cache in <paramref name="cacheDir"/>, downloading with <see cref="s_fastDownloads"/>. Shared
    /// with the other manager test classes.
    /// </summary>
    internal static ImageManager NewManager(string cacheDir, ImageManagerOptions? options = null, long memoryCost = 256L * 1024 * 1024) => new(
        new ImageCacheOptions
        {
            Memory = new MemoryImageCacheOptions { MaxCost = memoryCost, TrimOnMemoryPressure = false },
            Disk = new DiskImageCacheOptions { Directory = cacheDir },
        },
        s_fastDownloads,
        options);

    private ImageManager NewManager(ImageManagerOptions? options = null, long memoryCost = 256L * 1024 * 1024) => NewManager(_cacheDir, options, memoryCost);

    [TestMethod]
    public async Task LoadImageAsync_ThreeTimes_ComesFromNetworkThenMemoryAndDownloadsOnce()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Image("TestImageAnimated.webp");
        var expected = Corpus.Get("TestImageAnimated.webp");

        using (var first = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, first.Source);
            Assert.AreEqual(expected.FrameCount, first.Image.FrameCount);
            Assert.AreEqual(url, first.FinalUrl);
        }

        using (var second = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Memory, second.Source);
            using var frame = second.Image.GetFrame(second.Image.FrameCount - 1);
            Assert.AreEqual(expected.Width, frame.Width);
        }

        Assert.AreEqual(1, server.ImageHits("TestImageAnimated.webp"));
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.All, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task LoadImageAsync_NewManagerOnTheSameFolder_ComesFromDiskWithTheSameBytes()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image("TestImage.gif");
        await using (var manager = NewManager())
        {
            (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        }

        await using var reopened = NewManager();
        using var result = await reopened.LoadImageAsync(url, new ImageLoadOptions { ReturnEncodedData = true }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Disk, result.Source);
        CollectionAssert.AreEqual(Corpus.Read("TestImage.gif"), result.EncodedData!.Value.ToArray());
        Assert.AreEqual(1, server.ImageHits("TestImage.gif"));
    }

    [TestMethod]
    public async Task LoadImageAsync_RefreshCachedAndServerSays304_KeepsTheCachedBytes()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Image("TestImage.png");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        using var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Disk, refreshed.Source, "a 304 keeps the cached bytes");
        Assert.AreEqual(2, server.ImageHits("TestImage.png"), "the second request went out, conditionally");
        var entry = await manager.Cache.GetEncodedAsync(url.AbsoluteUri, TestContext.CancellationToken);
        Assert.AreEqual("\"TestImage.png-v1\"", entry!.Metadata.ETag);
        CollectionAssert.AreEqual(Corpus.Read("TestImage.png"), entry.Data);
    }

    [TestMethod]
    public async Task LoadImageAsync_RefreshCachedAndA304NamesAnotherETag_LoadsTheImageAgain()
    {
        // The server's 304 carries an entity tag other than the one sent: it does not vouch for the cached bytes.
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        var gif = Corpus.Read("TestImage.gif");
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/image", async context =>
        {
            var sent = context.Request.Headers.IfNoneMatch.ToString();
            requests.Enqueue(sent.Length == 0 ? null : sent);
            if (sent.Length > 0)
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                context.Response.Headers.ETag = "\"v2\"";
                return;
            }

            context.Response.ContentType = "image/gif";
            context.Response.Headers.ETag = "\"v1\"";
            await context.Response.Body.WriteAsync(gif);
        }), TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Url("/image");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        using var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Network, refreshed.Source, "loaded again rather than kept under the other tag");
        CollectionAssert.AreEqual(new[] { null, "\"v1\"", null }, requests.ToArray(), "plain, conditional, then plain again");
    }

    [TestMethod]
    public async Task LoadImageAsync_404_FailsAndThenFailsFastUntilRetried()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Url("/missing");
        var first = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(first.Message, "404");
        var fast = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(fast.Message, "failed recently");
        Assert.AreEqual(1, server.Hits("/missing"));

        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(url, new ImageLoadOptions { RetryFailed = true }, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(2, server.Hits("/missing"));
        Assert.AreEqual(ImageCacheType.None, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken), "a failure is never cached");
    }

    [TestMethod]
    public async Task LoadImageAsync_HtmlPage_IsRefusedAndNotCached()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var error = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(server.Url("/html"), cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(ImageDownloadFailure.NotAnImage, error.Failure);
        Assert.AreEqual(ImageCacheType.None, await manager.Cache.ContainsAsync(server.Url("/html").AbsoluteUri, cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task LoadImageAsync_FromCacheOnlyOnAMiss_FailsWithoutTouchingTheNetwork()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(server.Image("TestImage.gif"), new ImageLoadOptions { FromCacheOnly = true }, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(error.Message, "not in the cache");
        Assert.AreEqual(0, server.ImageHits("TestImage.gif"));
    }

    [TestMethod]
    public async Task LoadImageAsync_FromNetworkOnly_DownloadsAgainDespiteTheCache()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Image("TestImage.gif");
        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        using var again = await manager.LoadImageAsync(url, new ImageLoadOptions { FromNetworkOnly = true }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Network, again.Source);
        Assert.AreEqual(2, server.ImageHits("TestImage.gif"));
    }

    [TestMethod]
    public async Task LoadImageAsync_MemoryOnly_StoresNothingOnDisk()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Image("TestImage.gif");
        (await manager.LoadImageAsync(url, new ImageLoadOptions { CacheType = ImageCacheType.Memory }, cancellationToken: TestContext.CancellationToken)).Dispose();
        Assert.AreEqual(ImageCacheType.Memory, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task LoadImageAsync_CustomCacheKey_SharesOneEntryAcrossQueryStrings()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var options = new ImageLoadOptions { CacheKey = static u => u.GetLeftPart(UriPartial.Path) };
        using (var a = await manager.LoadImageAsync(new Uri(server.Image("TestImage.gif") + "?sig=1"), options, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, a.Source);
        }

        using var b = await manager.LoadImageAsync(new Uri(server.Image("TestImage.gif") + "?sig=2"), options, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Memory, b.Source);
        Assert.AreEqual(server.Image("TestImage.gif").AbsoluteUri, b.CacheKey);
    }

    [TestMethod]
    public async Task LoadImageAsync_FileUrl_DecodesAndCachesInMemoryOnly()
    {
        await using var manager = NewManager();
        var url = new Uri(Corpus.PathOf("TestImage.gif"));
        using (var first = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, first.Source);
        }

        using var second = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Memory, second.Source);
        Assert.AreEqual(ImageCacheType.Memory, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken), "local files are not copied to the disk cache");
    }

    [TestMethod]
    public async Task LoadImageAsync_MissingFile_FailsWithAClearError()
    {
        await using var manager = NewManager();
        var url = new Uri(Path.Combine(_cacheDir, "nope.gif"));
        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual("file not found", error.Message);
        Assert.AreEqual(url.OriginalString, error.SourceName, "named as given: the path, not the file: URL made of it");
    }

    /// <summary>A name the file system refuses is not reported as a missing file (FileInfo.Exists says false for both).</summary>
    [TestMethod]
    public async Task LoadImageAsync_FileNameTooLong_SaysSoRatherThanNotFound()
    {
        await using var manager = NewManager();
        var url = new Uri(Path.Combine(_cacheDir, new string('a', 300) + ".gif"));

        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual("the file name is too long", error.Message);
    }

    [TestMethod]
    public async Task LoadImageAsync_UnknownScheme_IsRefusedUntilALoaderIsRegistered()
    {
        await using var manager = NewManager();
        var url = new Uri("asset://earth.gif");
        var error = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(error.Message, "'asset'");

        manager.Loaders.Insert(0, new AssetLoader());
        using var result = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageFormat.Gif, result.Image.Format);
    }

    [TestMethod]
    public async Task LoadImageAsync_CancelledWhileDownloading_StoresNothing()
    {
        var release = new TaskCompletionSource();
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = 0;
        var bytesSent = 0;
        var finishedNormally = 0;
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/slow", async context =>
        {
            Interlocked.Increment(ref requests);
            // The handler itself says when its request was aborted, on its way out. A callback registered on the token is
            // not enough: cancelling the token completes the delay below first (callbacks run newest first), whose
            // continuation may run inline and leave the handler, disposing a registration whose callback has not run yet
            // (about 1 run in 800 beside a busy loop: the token cancelled, the delay cancelled, the callback never called).
            var abortedToken = context.RequestAborted;
            try
            {
                // A slow drip: each write notices when the client has gone.
                var gif = Corpus.Read("TestImage.gif");
                for (var i = 0; i < 400 && !release.Task.IsCompleted && !abortedToken.IsCancellationRequested; i++)
                {
                    await context.Response.Body.WriteAsync(gif.AsMemory(i % gif.Length, 1), abortedToken);
                    await context.Response.Body.FlushAsync(abortedToken);
                    Interlocked.Increment(ref bytesSent);
                    sending.TrySetResult();
                    await Task.Delay(25, abortedToken);
                }

                Interlocked.Increment(ref finishedNormally);
            }
            finally
            {
                if (abortedToken.IsCancellationRequested)
                {
                    aborted.TrySetResult();
                }
            }
        }), TestContext.CancellationToken);
        await using var manager = NewManager();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var load = manager.LoadImageAsync(server.Url("/slow"), cancellationToken: cts.Token);

        // Cancelled once the response is under way, not after a fixed delay: on a loaded machine the request may not have
        // reached the server by then, and a request that never arrives is never seen aborted.
        await sending.Task.WaitAsync(Loading.DownloadTestOptions.Patience, TestContext.CancellationToken);
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => load);

        // The server sees the request aborted: an eventual property (client and server share this loaded process), and
        // if it fails, the counts say whether the download was left running (an orphan) or only the abort was slow.
        var seen = await Task.WhenAny(aborted.Task, Task.Delay(Loading.DownloadTestOptions.Patience, TestContext.CancellationToken)) == aborted.Task;
        Assert.IsTrue(
            seen,
            $"the server did not see the request aborted ({manager.Downloader.ActiveDownloads} downloads active, {manager.Downloader.QueuedDownloads} queued; " +
            $"{Volatile.Read(ref requests)} requests, {Volatile.Read(ref bytesSent)} bytes sent, {Volatile.Read(ref finishedNormally)} responses finished unaborted)");
        release.TrySetResult();
        Assert.AreEqual(ImageCacheType.None, await manager.Cache.ContainsAsync(server.Url("/slow").AbsoluteUri, cancellationToken: TestContext.CancellationToken));
        Assert.IsTrue(Leaks.Eventually(() => manager.Downloader.ActiveDownloads + manager.Downloader.QueuedDownloads == 0), "no orphan request");
    }

    [TestMethod]
    public async Task LoadResult_DisposedWhileAPlayerPlays_KeepsTheImageUntilThePlayerIsDisposed()
    {
        await using var manager = NewManager(memoryCost: 0); // nothing stays in memory: the result and player are the only owners
        var result = await manager.LoadImageAsync(new Uri(Corpus.PathOf("TestImageAnimated.webp")), cancellationToken: TestContext.CancellationToken);
        var image = result.Image;
        var player = new ImageKit.Animation.AnimatedImagePlayer(image, new ImageKit.Animation.AnimatedImagePlayerOptions { DisplayLinkProvider = new ImageKit.Display.ManualDisplayLinkProvider(TimeProvider.System) });
        result.Dispose();
        Assert.IsFalse(image.IsDisposed);
        player.Dispose();
        Assert.IsTrue(image.IsDisposed, "released by its last owner");
    }

    private sealed class AssetLoader : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "asset";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ImageLoaderResponse(request.Url, Corpus.Read("TestImage.gif")) { StoreOnDisk = false });
    }

    // Promise: disposing the manager cancels what is in flight (callers get OperationCanceledException, or a clear
    // ImageKitException). A load in a non-HTTP loader (or decoding/storing) when the manager is disposed is not cancelled:
    // it runs on and meets the disposed memory cache, and its caller gets ObjectDisposedException.
    [TestMethod]
    public async Task DisposeAsync_LoadInFlightInACustomLoader_CancelsItAndTheCallerSeesOperationCanceled()
    {
        var manager = new ImageManager(new ImageCacheOptions());
        var loader = new GatedLoader();
        manager.Loaders.Insert(0, loader);

        var load = manager.LoadImageAsync(new Uri("gated://x/1"), cancellationToken: TestContext.CancellationToken);
        await loader.Entered.Task.WaitAsync(Loading.DownloadTestOptions.Patience, TestContext.CancellationToken);
        await manager.DisposeAsync();
        var tokenCancelledByDispose = loader.Token.IsCancellationRequested;
        loader.Release.TrySetResult();

        Exception? failure = null;
        try
        {
            using var result = await load.WaitAsync(Loading.DownloadTestOptions.Patience, TestContext.CancellationToken);
        }
        catch (Exception e)
        {
            failure = e;
        }

        Assert.IsTrue(tokenCancelledByDispose, "Dispose cancelled the loader's token");
        Assert.IsInstanceOfType<OperationCanceledException>(failure, $"got {failure?.GetType().Name}: {failure?.Message}");
    }

    private sealed class GatedLoader : IImageLoader
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken Token { get; private set; }

        public bool CanLoad(Uri url) => url.Scheme == "gated";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Token = cancellationToken;
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return new ImageLoaderResponse(request.Url, Loading.ImageServer.Gif);
        }
    }
}
