using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Loading;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// What a remembered failure blocks (the URL as requested for a source failure; the bytes and decode options for a decode
/// failure), and progress that never goes backwards when a preview of an earlier snapshot is reported. Found by a review
/// of the load path (2026-12-05).
/// </summary>
[TestClass]
public sealed class ImageManagerFailureKeyAndProgressTests
{
    private string _cacheDir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-failure-keys-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    // Promise: progress handlers cannot break a load (the downloader ignores what they throw, and previews through the
    // manager are treated the same way). The file and data loaders report their one progress report straight to the
    // app's handler: one that threw failed those loads with its own exception (not even an ImageKitException), although
    // the same handler leaves an http load alone.
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task LoadImageAsync_ProgressHandlerThrowsOnAFileOrDataUrl_LoadStillSucceeds(bool dataUrl)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "corpus", "2x2.gif");
        var url = dataUrl ? new Uri("data:image/gif;base64," + Convert.ToBase64String(File.ReadAllBytes(path))) : new Uri(path);
        await using var manager = new ImageManager(new ImageCacheOptions());
        var reports = 0;
        var progress = new Tests.Loading.SynchronousProgress<ImageLoadProgress>(_ =>
        {
            Interlocked.Increment(ref reports);
            throw new InvalidOperationException("handler bug");
        });

        Exception? failure = null;
        try
        {
            using var result = await manager.LoadImageAsync(url, progress: progress, cancellationToken: TestContext.CancellationToken);
            Assert.IsGreaterThan(0, result.Image.FrameCount);
        }
        catch (Exception e) when (e is not AssertFailedException)
        {
            failure = e;
        }

        Assert.AreEqual(1, Volatile.Read(ref reports), "precondition: the loader reported its progress");
        Assert.IsNull(failure, $"the load failed with the progress handler's exception: {failure}");
    }

    // README: CacheKey is for dropping a signed query; RetryFailed: "a URL that failed ... fails fast". A freshly signed URL
    // is another URL and must reach the network, even though an expired signature of the same image got a 403.
    [TestMethod]
    public async Task LoadImageAsync_SignedUrlExpiredThenFreshSignatureWithSameCacheKey_LoadsTheFreshUrl()
    {
        var gif = Corpus.Read("TestImage.gif");
        var hits = 0;
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/img", async context =>
        {
            Interlocked.Increment(ref hits);
            if (context.Request.Query["sig"] == "expired")
            {
                context.Response.StatusCode = 403;
                return;
            }

            context.Response.ContentType = "image/gif";
            await context.Response.Body.WriteAsync(gif);
        }), TestContext.CancellationToken);
        await using var manager = ImageManagerTests.NewManager(_cacheDir);
        var options = new ImageLoadOptions { CacheKey = static u => u.GetLeftPart(UriPartial.Path) };

        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(new Uri(server.Url("/img") + "?sig=expired"), options, cancellationToken: TestContext.CancellationToken));

        using var fresh = await manager.LoadImageAsync(new Uri(server.Url("/img") + "?sig=fresh"), options, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Network, fresh.Source);
        Assert.AreEqual(2, hits);
    }

    // A full load refused by the manager's frame limit must not make a first-frame load of the same URL (which the limit
    // does not apply to, see ImageManagerDecodeVariantTests) fail fast for FailedUrlRetention.
    [TestMethod]
    public async Task LoadImageAsync_FullLoadOverTheFrameLimitFailed_FirstFrameOnlyLoadStillLoads()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var limits = new DecodingLimits { MaxFrameCount = 2 }; // TestImageAnimated.webp has 8
        await using var manager = ImageManagerTests.NewManager(_cacheDir, new ImageManagerOptions { DecodeOptions = new ImageDecodeOptions { Limits = limits } });
        var url = server.Image("TestImageAnimated.webp");

        await Assert.ThrowsAsync<ImageLimitExceededException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        using var still = await manager.LoadImageAsync(url, new ImageLoadOptions { FirstFrameOnly = true }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(1, still.Image.FrameCount);
    }

    // Progress must not go backwards: a preview decoded from an earlier snapshot is reported with that snapshot's byte
    // count after a later, larger byte count was already reported.
    [TestMethod]
    public async Task LoadImageAsync_ProgressivePreviewOfAnEarlierSnapshot_NeverReportsFewerBytesThanBefore()
    {
        var jpeg = ImageManagerProgressiveTests.MakeJpeg(480, 360);
        var previewSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var manager = new ImageManager(new ImageCacheOptions());
        manager.Loaders.Insert(0, new TwoSnapshotsLoader(jpeg, previewSeen.Task));
        var reports = new List<(long Bytes, bool Preview)>();
        var progress = new SyncProgress(v =>
        {
            lock (reports)
            {
                reports.Add((v.BytesReceived, v.Preview is not null));
            }

            if (v.Preview is not null)
            {
                v.Preview.Dispose();
                previewSeen.TrySetResult();
            }
        });

        using var result = await manager.LoadImageAsync(new Uri("twosnap://x/1"), new ImageLoadOptions { Progressive = true }, progress, TestContext.CancellationToken);
        List<(long Bytes, bool Preview)> seen;
        lock (reports)
        {
            seen = [.. reports];
        }

        var text = string.Join(", ", seen.Select(r => r.Bytes + (r.Preview ? "(preview)" : "")));
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.IsTrue(seen[i].Bytes >= seen[i - 1].Bytes, $"progress went backwards: {text}");
        }
    }

    private sealed class SyncProgress(Action<ImageLoadProgress> handler) : IProgress<ImageLoadProgress>
    {
        public void Report(ImageLoadProgress value) => handler(value);
    }

    private sealed class TwoSnapshotsLoader(byte[] data, Task previewSeen) : IImageLoader
    {
        public bool CanLoad(Uri url) => url.Scheme == "twosnap";

        public async Task<ImageLoaderResponse> LoadAsync(ImageLoaderRequest request, IProgress<ImageLoadProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            var half = data.Length / 2;
            var most = data.Length * 9 / 10;
            progress?.Report(new ImageLoadProgress(half, data.Length) { PartialData = data.AsMemory(0, half) });
            progress?.Report(new ImageLoadProgress(most, data.Length) { PartialData = data.AsMemory(0, most) });
            try
            {
                await previewSeen.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch (TimeoutException)
            {
            }

            return new ImageLoaderResponse(request.Url, data) { StoreOnDisk = false };
        }
    }
}
