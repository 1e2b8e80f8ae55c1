using System.Drawing;
using ImageKit.Caching;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// Loads with transformers: each transformer list is its own memory-cache variant made from the one copy of the original
/// bytes on disk, and a failing transform is the app's problem, not the URL's.
/// </summary>
[TestClass]
public sealed class ImageManagerTransformTests
{
    private string _cacheDir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-transforms-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    private ImageManager NewManager(ImageManagerOptions? options = null) => ImageManagerTests.NewManager(_cacheDir, options);

    [TestMethod]
    public async Task LoadImageAsync_Transformers_AreCachedInMemoryApartAndMadeFromTheOriginalOnDisk()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Image("TestImage.jpg"); // 80 x 60
        var avatar = new ImageLoadOptions { Transformers = [new CircleTransformer()] };
        using (var first = await manager.LoadImageAsync(url, avatar, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Network, first.Source);
            Assert.AreEqual((60, 60), (first.Image.PixelWidth, first.Image.PixelHeight));
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        using (var original = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Disk, original.Source, "the disk holds the original bytes, not the circle");
            Assert.AreEqual((80, 60), (original.Image.PixelWidth, original.Image.PixelHeight));
        }

        var smallCircle = new ImageLoadOptions { Transformers = [new ResizeTransformer(new Size(20, 20)), new CircleTransformer()] };
        using (var other = await manager.LoadImageAsync(url, smallCircle, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Disk, other.Source, "another transformer list is another variant");
            Assert.AreEqual((15, 15), (other.Image.PixelWidth, other.Image.PixelHeight));
        }

        using (var again = await manager.LoadImageAsync(url, new ImageLoadOptions { Transformers = [new CircleTransformer()] }, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual(ImageLoadSource.Memory, again.Source, "an equal list (a new instance with the same key) hits the variant");
            Assert.AreEqual((60, 60), (again.Image.PixelWidth, again.Image.PixelHeight));
        }

        Assert.AreEqual(1, server.ImageHits("TestImage.jpg"), "one download served every variant");
    }

    [TestMethod]
    public async Task LoadImageAsync_TransformerRefusesTheImage_FailsWithoutRememberingTheUrlAsFailed()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();
        var url = server.Image("TestImage.jpg");
        var offImage = new ImageLoadOptions { Transformers = [new CropTransformer(new Rectangle(500, 500, 10, 10))] };

        var e = await Assert.ThrowsExactlyAsync<ImageTransformException>(() => manager.LoadImageAsync(url, offImage, cancellationToken: TestContext.CancellationToken));
        StringAssert.Contains(e.Message, "outside the 80x60 image");
        Assert.AreEqual(url.ToString(), e.SourceName);
        Assert.AreEqual(0, manager.RememberedFailures, "the URL is fine: the options were wrong");

        using var plain = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual((80, 60), (plain.Image.PixelWidth, plain.Image.PixelHeight));
    }

    [TestMethod]
    public async Task LoadImageAsync_ManagerDefaultTransformers_ApplyUnlessTheLoadGivesItsOwn()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var defaults = new ImageManagerOptions { DecodeOptions = new() { Transformers = [new GrayscaleTransformer()] } };
        await using var manager = NewManager(defaults);
        var url = server.Image("TestImage.jpg");

        using (var grey = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken))
        using (var frame = grey.Image.GetFrame(0))
        {
            for (var i = 0; i < frame.Pixels.Length; i += 4)
            {
                Assert.IsTrue(frame.Pixels[i] == frame.Pixels[i + 1] && frame.Pixels[i + 1] == frame.Pixels[i + 2], $"pixel {i / 4} is grey");
            }
        }

        using var own = await manager.LoadImageAsync(url, new ImageLoadOptions { Transformers = [new CircleTransformer()] }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual((60, 60), (own.Image.PixelWidth, own.Image.PixelHeight));
        using var ownFrame = own.Image.GetFrame(0);
        var centre = (30 * ownFrame.RowBytes) + (30 * 4);
        Assert.IsFalse(ownFrame.Pixels[centre] == ownFrame.Pixels[centre + 1] && ownFrame.Pixels[centre + 1] == ownFrame.Pixels[centre + 2], "the load's own list replaced the default");
    }
}
