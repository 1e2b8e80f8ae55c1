using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>What the manager keeps about a load beyond its image: responses that must not be stored, and failures remembered for a while.</summary>
[TestClass]
public sealed class ImageManagerRetentionTests
{
    private static readonly ImageDownloaderOptions s_fastDownloads = ImageManagerTests.s_fastDownloads;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task LoadImageAsync_CacheControlNoStore_KeepsTheImageInMemoryOnlyAndDropsAnEarlierDiskCopy()
    {
        var gif = Corpus.Read("TestImage.gif");
        var noStore = false;
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/avatar.gif", async (HttpContext context) =>
        {
            context.Response.Headers.ETag = Volatile.Read(ref noStore) ? "\"v2\"" : "\"v1\"";
            if (Volatile.Read(ref noStore))
            {
                context.Response.Headers.CacheControl = "private, no-store";
            }

            await context.Response.Body.WriteAsync(gif);
        }), TestContext.CancellationToken);
        var url = server.Url("/avatar.gif");
        using var folder = new TempFolder();
        await using var manager = new ImageManager(new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } }, s_fastDownloads);

        (await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken)).Dispose();
        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.All, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken));

        // The server now forbids storing it: a refresh keeps the new image in memory and removes the stored copy.
        Volatile.Write(ref noStore, true);
        using (var refreshed = await manager.LoadImageAsync(url, new ImageLoadOptions { RefreshCached = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, refreshed.Source);
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(ImageCacheType.Memory, await manager.Cache.ContainsAsync(url.AbsoluteUri, cancellationToken: TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task LoadImageAsync_ManyDistinctFailingUrls_DropsTheExpiredFailuresInsteadOfGrowing()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var manager = new ImageManager(new ImageCacheOptions(), s_fastDownloads, new ImageManagerOptions { FailedUrlRetention = TimeSpan.FromMinutes(1), TimeProvider = time });
        manager.Loaders.Insert(0, new GarbageLoader());

        for (var i = 0; i < 3_000; i++)
        {
            await Assert.ThrowsAsync<ImageDecodingException>(() => manager.LoadImageAsync(new Uri($"garbage://host/{i}"), cancellationToken: TestContext.CancellationToken));
            time.Advance(TimeSpan.FromSeconds(1)); // 60 failures per retention period
        }

        Assert.IsTrue(manager.RememberedFailures <= 2 * 1_024, $"{manager.RememberedFailures} failures remembered");
        await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(new Uri("garbage://host/2999"), cancellationToken: TestContext.CancellationToken), "a recent failure still fails fast");
    }

    [TestMethod]
    public async Task LoadImageAsync_FailedUrlRetentionZero_RemembersNoFailure()
    {
        await using var manager = new ImageManager(new ImageCacheOptions(), s_fastDownloads, new ImageManagerOptions { FailedUrlRetention = TimeSpan.Zero });
        manager.Loaders.Insert(0, new GarbageLoader());

        await Assert.ThrowsAsync<ImageDecodingException>(() => manager.LoadImageAsync(new Uri("garbage://host/a"), cancellationToken: TestContext.CancellationToken));
        await Assert.ThrowsAsync<ImageDecodingException>(() => manager.LoadImageAsync(new Uri("garbage://host/a"), cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(0, manager.RememberedFailures);
    }

    // The wall clock set back by years a second after a failure (a machine that started with a wrong date, set right):
    // the failure is retried once its retention has passed, as measured by the monotonic clock, not years later.
    [TestMethod]
    public async Task LoadImageAsync_WallClockSetBackAfterAFailure_RetriesOnceTheRetentionHasPassed()
    {
        var clock = new SteppingClock(new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var manager = new ImageManager(new ImageCacheOptions(), s_fastDownloads, new ImageManagerOptions { FailedUrlRetention = TimeSpan.FromMinutes(1), TimeProvider = clock });
        var loader = new GarbageLoader();
        manager.Loaders.Insert(0, loader);
        var url = new Uri("garbage://host/a");
        await Assert.ThrowsAsync<ImageDecodingException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        clock.Wall = new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
        clock.Elapse(TimeSpan.FromSeconds(30));
        var fast = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken), "within the retention");
        clock.Elapse(TimeSpan.FromSeconds(31));
        await Assert.ThrowsAsync<ImageDecodingException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken), "retried: the retention has passed");

        StringAssert.Contains(fast.Message, "is not retried until 2026-12-04 00:01:00Z", "the end of the retention on the clock as it reads now");
        Assert.AreEqual(2, loader.Loads);
    }

    [TestMethod]
    public async Task LoadImageAsync_WallClockSetForwardAfterAFailure_StillFailsFastWithinTheRetention()
    {
        var clock = new SteppingClock(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));
        await using var manager = new ImageManager(new ImageCacheOptions(), s_fastDownloads, new ImageManagerOptions { FailedUrlRetention = TimeSpan.FromMinutes(1), TimeProvider = clock });
        var loader = new GarbageLoader();
        manager.Loaders.Insert(0, loader);
        var url = new Uri("garbage://host/a");
        await Assert.ThrowsAsync<ImageDecodingException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        clock.Wall = clock.Wall.AddYears(1);
        clock.Elapse(TimeSpan.FromSeconds(10));

        await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        Assert.AreEqual(1, loader.Loads);
    }

    private sealed class GarbageLoader : IImageLoader
    {
        private int _loads;

        public int Loads => Volatile.Read(ref _loads);

        public bool CanLoad(Uri url) => url.Scheme == "garbage";

        public Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _loads);
            return Task.FromResult(new ImageLoaderResponse(request.Url, "not an image at all"u8.ToArray()) { StoreOnDisk = false });
        }
    }
}
