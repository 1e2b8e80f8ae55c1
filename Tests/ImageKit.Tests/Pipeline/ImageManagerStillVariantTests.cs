using System.Drawing;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A thumbnail, scaled-down or transformed still enters the memory cache as its pixels alone, not with the original's
/// encoded bytes, whichever tier it came from; the original stays on disk for whoever asks for the bytes.
/// </summary>
[TestClass]
public sealed class ImageManagerStillVariantTests
{
    private static readonly byte[] s_photo = ImageManagerProgressiveTests.MakeJpeg(1200, 900);
    private static readonly Size s_box = new(120, 120);
    private string _cacheDir = null!;
    private int _hits;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-still-variants-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    private ImageManager NewManager() => ImageManagerTests.NewManager(_cacheDir);

    private Task<LoopbackServer> StartServerAsync() => LoopbackServer.StartAsync(
        app => app.MapGet("/photo.jpg", (HttpContext http) =>
        {
            Interlocked.Increment(ref _hits);
            return LoopbackServer.Bytes(s_photo, "image/jpeg")(http);
        }),
        TestContext.CancellationToken);

    [TestMethod]
    public async Task LoadImageAsync_Thumbnail_IsKeptAsItsPixelsAloneFromTheNetworkAndFromDisk()
    {
        await using var server = await StartServerAsync();
        var url = server.Url("/photo.jpg");
        var thumbnail = new ImageLoadOptions { ThumbnailPixelSize = s_box };
        await using (var manager = NewManager())
        {
            using var loaded = await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
            AssertPixelsAlone(loaded, ImageLoadSource.Network);
        }

        await using (var restarted = NewManager())
        {
            using var fromDisk = await restarted.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
            AssertPixelsAlone(fromDisk, ImageLoadSource.Disk);
            using var fromMemory = await restarted.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
            AssertPixelsAlone(fromMemory, ImageLoadSource.Memory);
        }

        Assert.AreEqual(1, _hits);
    }

    [TestMethod]
    public async Task LoadImageAsync_TransformedStillAndFullSizeStill_OnlyTheVariantDropsTheEncodedBytes()
    {
        await using var server = await StartServerAsync();
        await using var manager = NewManager();
        var url = server.Url("/photo.jpg");
        using (var round = await manager.LoadImageAsync(url, new ImageLoadOptions { Transformers = [new ResizeTransformer(s_box, ResizeMode.Fill), new CircleTransformer()] }, cancellationToken: TestContext.CancellationToken))
        {
            AssertPixelsAlone(round, ImageLoadSource.Network, 120, 120);
        }

        using var full = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(s_photo.Length, full.Image.EncodedData.Length, "a full-size still keeps its bytes (and decodes lazily)");
    }

    [TestMethod]
    public async Task LoadImageAsync_EncodedDataOfAVariantFromMemory_ComesFromTheOriginalOnDisk()
    {
        await using var server = await StartServerAsync();
        await using var manager = NewManager();
        var url = server.Url("/photo.jpg");
        var options = new ImageLoadOptions { ThumbnailPixelSize = s_box, ReturnEncodedData = true, WaitForDiskStore = true };
        using (var first = await manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken))
        {
            CollectionAssert.AreEqual(s_photo, first.EncodedData!.Value.ToArray());
        }

        using var hit = await manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Memory, hit.Source);
        CollectionAssert.AreEqual(s_photo, hit.EncodedData!.Value.ToArray(), "the original's bytes, read from disk");
        Assert.AreEqual(1, _hits);
    }

    [TestMethod]
    public async Task LoadImageAsync_EncodedDataOfAMemoryOnlyVariant_IsLoadedAgainFromTheUrl()
    {
        await using var server = await StartServerAsync();
        await using var manager = NewManager();
        var url = server.Url("/photo.jpg");
        var options = new ImageLoadOptions { ThumbnailPixelSize = s_box, CacheType = ImageCacheType.Memory };
        (await manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken)).Dispose();

        using var again = await manager.LoadImageAsync(url, options with { ReturnEncodedData = true }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(2, _hits, $"the bytes were nowhere else ({again.Source}, {again.EncodedData?.Length}, {again.Image.EncodedData.Length})");
        Assert.AreEqual(ImageLoadSource.Network, again.Source);
        CollectionAssert.AreEqual(s_photo, again.EncodedData!.Value.ToArray());
    }

    [TestMethod]
    public async Task LoadImageAsync_DiskEntryWhosePixelsDoNotDecode_IsDroppedAndLoadedAgain()
    {
        await using var server = await StartServerAsync();
        var url = server.Url("/photo.jpg");
        await using (var disk = new DiskImageCache(new DiskImageCacheOptions { Directory = _cacheDir }))
        {
            // Headers intact, scan data cut short: the kind of entry that decodes lazily but fails on its pixels.
            await disk.SetAsync(url.AbsoluteUri, s_photo.AsMemory(0, s_photo.Length / 3), cancellationToken: TestContext.CancellationToken);
        }

        await using var manager = NewManager();
        using var loaded = await manager.LoadImageAsync(url, new ImageLoadOptions { ThumbnailPixelSize = s_box }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Network, loaded.Source, "the truncated entry was a miss");
        Assert.AreEqual(1, _hits);
    }

    [TestMethod]
    public async Task LoadImageAsync_TransformRefusesADiskHit_KeepsTheEntryOnDisk()
    {
        await using var server = await StartServerAsync();
        var url = server.Url("/photo.jpg");
        await using (var manager = NewManager())
        {
            (await manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
        }

        await using var restarted = NewManager();
        var offImage = new ImageLoadOptions { Transformers = [new CropTransformer(new Rectangle(5000, 0, 10, 10))] };
        await Assert.ThrowsExactlyAsync<ImageTransformException>(() => restarted.LoadImageAsync(url, offImage, cancellationToken: TestContext.CancellationToken));
        using var plain = await restarted.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Disk, plain.Source, "the original was not blamed for the transform");
    }

    private static void AssertPixelsAlone(ImageLoadResult result, ImageLoadSource source, int width = 120, int height = 90)
    {
        Assert.AreEqual(source, result.Source);
        Assert.AreEqual((width, height), (result.Image.PixelWidth, result.Image.PixelHeight));
        Assert.IsTrue(result.Image.EncodedData.IsEmpty, "no encoded bytes kept with the pixels");
        Assert.AreEqual((long)width * height * 4, result.Image.MemoryCost, "the memory cache is charged the pixels alone");
        using var frame = result.Image.GetFrame(0);
        Assert.IsTrue(frame.Pixels.IndexOfAnyExcept((byte)0) >= 0, "the pixels are there");
    }
}
