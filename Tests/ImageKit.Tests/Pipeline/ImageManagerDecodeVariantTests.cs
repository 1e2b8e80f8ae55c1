using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// Loads that change the decoded result (first frame only, scale-down, thumbnails) each get their own memory-cache
/// variant, and all of them come from the one copy of the encoded bytes on disk.
/// </summary>
[TestClass]
public sealed class ImageManagerDecodeVariantTests
{
    private string _cacheDir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-variants-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    private ImageManager NewManager() => ImageManagerTests.NewManager(_cacheDir);

    [TestMethod]
    public async Task LoadImageAsync_FirstFrameOnly_IsCachedApartFromTheFullImage()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Image("TestImageAnimated.webp");
        using (var still = await manager.LoadImageAsync(url, new ImageLoadOptions { FirstFrameOnly = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(1, still.Image.FrameCount);
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        using var full = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(Corpus.Get("TestImageAnimated.webp").FrameCount, full.Image.FrameCount, "the first-frame variant never answers for the full image");
        Assert.AreEqual(ImageLoadSource.Disk, full.Source, "the encoded bytes were shared on disk");
        Assert.AreEqual(1, server.ImageHits("TestImageAnimated.webp"));
    }

    [TestMethod]
    public async Task LoadImageAsync_FirstFrameOnly_OfMoreFramesThanTheManagersMaxFrameCount_LoadsTheFirstFrame()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var limits = new DecodingLimits { MaxFrameCount = 2 }; // TestImageAnimated.webp has 8
        await using var manager = ImageManagerTests.NewManager(_cacheDir, new ImageManagerOptions { DecodeOptions = new ImageDecodeOptions { Limits = limits } });
        var url = server.Image("TestImageAnimated.webp");

        using (var still = await manager.LoadImageAsync(url, new ImageLoadOptions { FirstFrameOnly = true }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(1, still.Image.FrameCount);
        }

        await Assert.ThrowsAsync<ImageLimitExceededException>(
            () => manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken), "the full image is still held to the limit");
    }

    [TestMethod]
    public async Task LoadImageAsync_ScaleDownMaxPixels_FitsTheLimitKeepingTheAspectRatio()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        const int Width = 80, Height = 60; // TestImage.jpg
        const long limit = Width * Height / 4;
        using var result = await manager.LoadImageAsync(server.Image("TestImage.jpg"), new ImageLoadOptions { ScaleDownMaxPixels = limit }, cancellationToken: TestContext.CancellationToken);
        Assert.IsLessThanOrEqualTo(limit, (long)result.Image.PixelWidth * result.Image.PixelHeight);
        Assert.AreEqual(Width / 2, result.Image.PixelWidth);
        Assert.AreEqual(Height / 2, result.Image.PixelHeight);
        using var frame = result.Image.GetFrame(0);
        Assert.IsTrue(frame.Pixels.IndexOfAnyExcept((byte)0) >= 0, "the scaled frame has content");
    }

    [TestMethod]
    public async Task LoadImageAsync_Thumbnail_FitsTheBoxAndIsCachedApartFromEachOtherSizeFromOneDownload()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Image("TestImage.jpg"); // 80 x 60
        var small = new ImageLoadOptions { ThumbnailPixelSize = new System.Drawing.Size(40, 40) };
        using (var thumbnail = await manager.LoadImageAsync(url, small, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual((40, 30), (thumbnail.Image.PixelWidth, thumbnail.Image.PixelHeight));
            Assert.AreEqual(ImageLoadSource.Network, thumbnail.Source);
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        using (var again = await manager.LoadImageAsync(url, small, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Memory, again.Source, "the same thumbnail from memory");
        }

        using (var other = await manager.LoadImageAsync(url, new ImageLoadOptions { ThumbnailPixelSize = new System.Drawing.Size(0, 15) }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual((20, 15), (other.Image.PixelWidth, other.Image.PixelHeight));
            Assert.AreEqual(ImageLoadSource.Disk, other.Source, "another size is decoded again from the bytes on disk");
        }

        using var full = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual((80, 60), (full.Image.PixelWidth, full.Image.PixelHeight), "a thumbnail never answers for the full image");
        Assert.AreEqual(ImageLoadSource.Disk, full.Source);
        Assert.AreEqual(1, server.ImageHits("TestImage.jpg"));
    }
}
