using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// An animation's first frame loaded alone (<see cref="ImageLoadOptions.FirstFrameOnly"/>, the thumbnail lists it is
/// for) enters the memory cache as its pixels alone: it used to keep the whole animation's encoded bytes, so a list of
/// first frames of large animations held every animation in memory. A still loaded first-frame-only stays as it is
/// (lazy, its bytes kept), and the original bytes are still there for whoever asks for them.
/// </summary>
[TestClass]
public sealed class ImageManagerFirstFrameVariantTests
{
    private static readonly ImageLoadOptions s_firstFrame = new() { FirstFrameOnly = true };
    private string _cacheDir = null!;
    private int _hits;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-first-frame-variants-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    private ImageManager NewManager() => ImageManagerTests.NewManager(_cacheDir);

    private Task<LoopbackServer> StartServerAsync(string file) => LoopbackServer.StartAsync(
        app => app.MapGet("/image", (HttpContext http) =>
        {
            Interlocked.Increment(ref _hits);
            return LoopbackServer.Bytes(Corpus.Read(file), "application/octet-stream")(http);
        }),
        TestContext.CancellationToken);

    [TestMethod]
    [DataRow("alphabetAnim.gif")]
    [DataRow("TestImageAnimated.webp")]
    [DataRow("TestImageAnimated.apng")]
    public async Task LoadImageAsync_FirstFrameOfAnAnimation_IsKeptAsItsPixelsAloneFromTheNetworkAndFromDisk(string file)
    {
        await using var server = await StartServerAsync(file);
        var url = server.Url("/image");
        await using (var manager = NewManager())
        {
            using var whole = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
            Assert.IsTrue(whole.Image.IsAnimated, "the fixture is an animation");
            Assert.IsFalse(whole.Image.EncodedData.IsEmpty, "the whole animation keeps its bytes");
            using var first = await manager.LoadImageAsync(url, s_firstFrame with { WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken);
            AssertPixelsAlone(first, whole.Image, ImageLoadSource.Disk);
        }

        await using (var restarted = NewManager())
        {
            using var whole = await restarted.LoadImageAsync(url, new ImageLoadOptions { FromCacheOnly = true }, cancellationToken: TestContext.CancellationToken);
            using var fromDisk = await restarted.LoadImageAsync(url, s_firstFrame, cancellationToken: TestContext.CancellationToken);
            AssertPixelsAlone(fromDisk, whole.Image, ImageLoadSource.Disk);
            using var fromMemory = await restarted.LoadImageAsync(url, s_firstFrame, cancellationToken: TestContext.CancellationToken);
            AssertPixelsAlone(fromMemory, whole.Image, ImageLoadSource.Memory);
        }

        Assert.AreEqual(1, _hits);
    }

    [TestMethod]
    public async Task LoadImageAsync_FirstFrameOfAnAnimationFromTheNetwork_IsKeptAsItsPixelsAlone()
    {
        await using var server = await StartServerAsync("alphabetAnim.gif");
        await using var manager = NewManager();
        var url = server.Url("/image");

        using var first = await manager.LoadImageAsync(url, s_firstFrame, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Network, first.Source);
        Assert.IsTrue(first.Image.EncodedData.IsEmpty, "no encoded bytes kept with the pixels");
        Assert.AreEqual(first.Image.FrameByteCount, first.Image.MemoryCost);
    }

    [TestMethod]
    public async Task LoadImageAsync_FirstFrameOfAnAnimationFromMemoryWithItsBytes_ReadsTheOriginalFromDisk()
    {
        await using var server = await StartServerAsync("alphabetAnim.gif");
        await using var manager = NewManager();
        var url = server.Url("/image");
        var options = s_firstFrame with { ReturnEncodedData = true, WaitForDiskStore = true };
        (await manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken)).Dispose();

        using var hit = await manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(ImageLoadSource.Memory, hit.Source);
        CollectionAssert.AreEqual(Corpus.Read("alphabetAnim.gif"), hit.EncodedData!.Value.ToArray(), "the whole animation's bytes");
        Assert.AreEqual(1, _hits);
    }

    [TestMethod]
    [DataRow("porsche.gif")]
    [DataRow("TestImageStatic.webp")]
    public async Task LoadImageAsync_FirstFrameOfAStill_KeepsItsBytesAsAnyStill(string file)
    {
        await using var server = await StartServerAsync(file);
        await using var manager = NewManager();

        using var first = await manager.LoadImageAsync(server.Url("/image"), s_firstFrame, cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(Corpus.Read(file).Length, first.Image.EncodedData.Length, "a full-size still stays lazy");
    }

    private static void AssertPixelsAlone(ImageLoadResult result, AnimatedImage whole, ImageLoadSource source)
    {
        Assert.AreEqual(source, result.Source);
        var image = result.Image;
        Assert.AreEqual((1, 1, false), (image.FrameCount, image.LoopCount, image.IsAnimated));
        Assert.AreEqual((whole.PixelWidth, whole.PixelHeight, whole.HasAlpha), (image.PixelWidth, image.PixelHeight, image.HasAlpha));
        Assert.IsTrue(image.EncodedData.IsEmpty, "no encoded bytes kept with the pixels");
        Assert.AreEqual(image.FrameByteCount, image.MemoryCost, "the memory cache is charged the pixels alone");
        using var frame = image.GetFrame(0);
        using var wholeFirst = whole.GetFrame(0);
        CollectionAssert.AreEqual(wholeFirst.Pixels.ToArray(), frame.Pixels.ToArray(), "the animation's first frame");
    }
}
