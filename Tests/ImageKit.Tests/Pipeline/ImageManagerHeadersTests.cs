using ImageKit.Caching;
using ImageKit.Loading;
using ImageKit.Tests.Loading;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// Headers for one load (<see cref="ImageLoadOptions.Headers"/>): sent with its request, not part of the cache key, and
/// a failure met without them does not stop a load with them.
/// </summary>
[TestClass]
public sealed class ImageManagerHeadersTests
{
    private static readonly Dictionary<string, string> s_token = new() { ["Authorization"] = CorpusServer.PrivateAuthorization };
    private static CorpusServer s_server = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartServerAsync(TestContext context) => s_server = await CorpusServer.StartAsync(context.CancellationToken);

    [ClassCleanup]
    public static async Task StopServerAsync() => await s_server.DisposeAsync();

    [TestMethod]
    public async Task LoadImageAsync_WithHeaders_SendsThemWithItsRequest()
    {
        await using var manager = MemoryOnlyManager();

        using var result = await manager.LoadImageAsync(s_server.PrivateImage("TestImage.gif"), new ImageLoadOptions { Headers = s_token }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Network, result.Source);
        Assert.AreEqual(5, result.Image.FrameCount);
    }

    [TestMethod]
    public async Task LoadImageAsync_FailedWithoutTheHeader_LoadsWithItAtOnceAndStillFailsFastWithout()
    {
        var url = s_server.PrivateImage("TestImage.png");
        await using var manager = MemoryOnlyManager();

        var refused = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        using var result = await manager.LoadImageAsync(url, new ImageLoadOptions { Headers = s_token, CacheType = ImageCacheType.None }, cancellationToken: TestContext.CancellationToken);
        var fastFail = await Assert.ThrowsExactlyAsync<ImageLoadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.AreEqual(ImageLoadSource.Network, result.Source);
        StringAssert.Contains(fastFail.Message, "failed recently");
        Assert.AreEqual(2, s_server.Hits("/private/TestImage.png"), "the fast failure sent nothing");
    }

    [TestMethod]
    public async Task LoadImageAsync_OtherHeadersAfterALoad_AreAnsweredFromTheCache()
    {
        var url = s_server.Image("animated-red-blue.gif");
        await using var manager = MemoryOnlyManager();

        using var first = await manager.LoadImageAsync(url, new ImageLoadOptions { Headers = new Dictionary<string, string> { ["Accept"] = "image/gif" } }, cancellationToken: TestContext.CancellationToken);
        using var second = await manager.LoadImageAsync(url, new ImageLoadOptions { Headers = new Dictionary<string, string> { ["Accept"] = "image/webp" } }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Network, first.Source);
        Assert.AreEqual(ImageLoadSource.Memory, second.Source);
        Assert.AreEqual(1, s_server.Hits("/img/animated-red-blue.gif"));
    }

    [TestMethod]
    [DataRow("X-Token", "a\r\nInjected: yes")]
    [DataRow("X-Token\n", "a")]
    [DataRow("X-Token", "a\0b")]
    public async Task LoadImageAsync_HeaderWithALineBreakOrNul_FailsAsAnInvalidRequestWithoutSendingIt(string name, string value)
    {
        var url = s_server.Image("TestImageStatic.webp");
        await using var manager = MemoryOnlyManager();
        var hits = s_server.Hits("/img/TestImageStatic.webp");

        var ex = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(url, new ImageLoadOptions { Headers = new Dictionary<string, string> { [name] = value } }, cancellationToken: TestContext.CancellationToken));

        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, ex.Failure);
        Assert.AreEqual(0, ex.Attempts, "not sent, and not retried");
        StringAssert.Contains(ex.Message, "X-Token");
        Assert.IsFalse(ex.Message.Contains('\n', StringComparison.Ordinal), "the message stays on one line");
        Assert.AreEqual(hits, s_server.Hits("/img/TestImageStatic.webp"));
    }

    /// <summary>A remembered failure stops the network, not the caches: an image they hold is still answered.</summary>
    [TestMethod]
    public async Task LoadImageAsync_FailedWithoutTheTokenThenCachedWithIt_WithoutTheTokenIsAnsweredFromTheCache()
    {
        var url = s_server.PrivateImage("TestImageStatic.webp");
        await using var manager = MemoryOnlyManager();

        await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken));
        using (var withToken = await manager.LoadImageAsync(url, new ImageLoadOptions { Headers = s_token }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, withToken.Source);
        }

        using var without = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Memory, without.Source);
        Assert.AreEqual(2, s_server.Hits("/private/TestImageStatic.webp"));
    }

    /// <summary>A Range of one load would put part of an image in the caches every load of the URL reads.</summary>
    [TestMethod]
    public async Task LoadImageAsync_RangeHeader_FailsAsInvalidRequestAndLaterLoadsGetTheWholeImage()
    {
        var url = s_server.Image("TestImageAnimated.webp");
        await using var manager = MemoryOnlyManager();

        var e = await Assert.ThrowsExactlyAsync<ImageDownloadException>(() => manager.LoadImageAsync(url, new ImageLoadOptions { Headers = new Dictionary<string, string> { ["Range"] = "bytes=0-999" } }, cancellationToken: TestContext.CancellationToken));
        using var whole = await manager.LoadImageAsync(url, new ImageLoadOptions { ReturnEncodedData = true }, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageDownloadFailure.InvalidRequest, e.Failure);
        StringAssert.Contains(e.Message, "Range");
        Assert.AreEqual(ImageLoadSource.Network, whole.Source);
        Assert.AreEqual(new FileInfo(Corpus.PathOf("TestImageAnimated.webp")).Length, whole.EncodedData!.Value.Length);
    }

    // Memory cache only (no disk), its own downloader; everything disposed with it.
    private static ImageManager MemoryOnlyManager() => new(new ImageCacheOptions(), DownloadTestOptions.Fast(maxRetries: 1));
}
