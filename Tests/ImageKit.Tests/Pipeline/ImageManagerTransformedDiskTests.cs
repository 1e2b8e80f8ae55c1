using System.Drawing;
using ImageKit.Caching;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;

namespace ImageKit.Tests.Pipeline;

/// <summary>
/// A transformed still is stored on disk too (losslessly), beside the original bytes: the next launch decodes the small
/// result instead of decoding and transforming the original again, as SDWebImage, Kingfisher and Nuke do. The stored
/// result is only ever used with the original it was made from.
/// </summary>
[TestClass]
public sealed class ImageManagerTransformedDiskTests
{
    private const string Png = "TestImage.png"; // 300 x 300
    private string _cacheDir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-transformed-disk-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    [TestMethod]
    public async Task LoadImageAsync_TransformedStillInALaterManager_IsDecodedFromItsStoredResultWithoutTransformingAgain()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image(Png);
        var counter = new CountingTransformer();
        var avatar = Avatar(counter);

        byte[] first;
        await using (var manager = NewManager())
        {
            using var result = await manager.LoadImageAsync(url, avatar, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Network, result.Source);
            first = Pixels(result.Image);
        }

        Assert.AreEqual(1, counter.Calls);
        await using (var manager = NewManager())
        {
            using var result = await manager.LoadImageAsync(url, avatar, cancellationToken: TestContext.CancellationToken);

            Assert.AreEqual(ImageLoadSource.Disk, result.Source);
            Assert.AreEqual(1, counter.Calls, "the stored result was decoded; the original was neither decoded nor transformed");
            Assert.AreEqual((48, 48), (result.Image.PixelWidth, result.Image.PixelHeight));
            Assert.AreEqual(ImageFormat.Png, result.Image.Format, "the image still says what it was made from");
            Assert.IsTrue(result.Image.HasAlpha);
            Assert.IsFalse(result.Image.IsAnimated);
            AssertSamePixels(first, Pixels(result.Image));

            using var original = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Disk, original.Source);
            Assert.AreEqual((300, 300), (original.Image.PixelWidth, original.Image.PixelHeight), "the original is still on disk");
        }

        Assert.AreEqual(1, server.ImageHits(Png));
    }

    [TestMethod]
    public async Task LoadImageAsync_OriginalAlreadyOnDisk_StoresTheTransformedResultForTheNextLoad()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image(Png);
        await using (var manager = NewManager())
        {
            using var plain = await manager.LoadImageAsync(url, cancellationToken: TestContext.CancellationToken);
        }

        var counter = new CountingTransformer();
        await using (var manager = NewManager())
        {
            using var result = await manager.LoadImageAsync(url, Avatar(counter), cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Disk, result.Source);
        }

        Assert.AreEqual(1, counter.Calls, "made once from the original on disk");
        await using (var manager = NewManager())
        {
            using var result = await manager.LoadImageAsync(url, Avatar(counter), cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Disk, result.Source);
        }

        Assert.AreEqual(1, counter.Calls, "and stored: the third manager decoded the stored result");
    }

    [TestMethod]
    public async Task LoadImageAsync_OriginalReplacedOnDisk_NeverShowsTheResultMadeFromTheOldOne()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image(Png);
        var counter = new CountingTransformer();
        await using (var manager = NewManager())
        {
            using var result = await manager.LoadImageAsync(url, Avatar(counter), cancellationToken: TestContext.CancellationToken);
        }

        // Another image under the same key (a refresh that got new bytes, or the app storing its own).
        byte[] expected;
        await using (var manager = NewManager())
        {
            await manager.Cache.StoreAsync(url.AbsoluteUri, image: null, Corpus.Read("arrow.png"), cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);
            using var result = await manager.LoadImageAsync(url, Avatar(counter), cancellationToken: TestContext.CancellationToken);

            Assert.AreEqual(ImageLoadSource.Disk, result.Source);
            Assert.AreEqual(2, counter.Calls, "the old result was not used: the new original was transformed");
            Assert.AreEqual((29, 29), (result.Image.PixelWidth, result.Image.PixelHeight), "arrow.png is 187 x 312: 29 x 48, then a circle");
            expected = Pixels(result.Image);
        }

        await using (var manager = NewManager())
        {
            using var result = await manager.LoadImageAsync(url, Avatar(counter), cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(2, counter.Calls, "the new result was stored in place of the old one");
            AssertSamePixels(expected, Pixels(result.Image));
        }
    }

    [TestMethod]
    public async Task LoadImageAsync_TransformedAnimation_StoresOnlyTheOriginal()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image("TestImageAnimated.webp");
        await using var manager = NewManager();

        using (var result = await manager.LoadImageAsync(url, Avatar(new CountingTransformer()), cancellationToken: TestContext.CancellationToken))
        {
            Assert.IsTrue(result.Image.IsAnimated);
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, (await Disk(manager).GetStatisticsAsync(TestContext.CancellationToken)).EntryCount, "animations are transformed from the original every time");
    }

    [TestMethod]
    public async Task LoadImageAsync_ResultLargerThanTwiceTheOriginal_StoresOnlyTheOriginal()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();

        // 80 x 60 JPEG of 3,205 bytes: its grayscale result is 19,200 bytes of pixels, cheaper to make again than to keep.
        using (await manager.LoadImageAsync(server.Image("TestImage.jpg"), new ImageLoadOptions { Transformers = [new GrayscaleTransformer()] }, cancellationToken: TestContext.CancellationToken))
        {
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, (await Disk(manager).GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
    }

    [TestMethod]
    public async Task LoadImageAsync_ResultWiderThanWebPAllows_StoresOnlyTheOriginalWithoutAFailedStore()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();

        // The first frame of a 1 MB GIF stretched to 17,000 x 2: small enough to be worth storing, but lossless WebP holds
        // at most 16,383 pixels a side. Like a result too large to keep, it is not stored: no failure to report.
        var options = new ImageLoadOptions { FirstFrameOnly = true, Transformers = [new ResizeTransformer(new Size(17_000, 2), ResizeMode.Stretch)] };
        using (var result = await manager.LoadImageAsync(server.Image("1@2x.gif"), options, cancellationToken: TestContext.CancellationToken))
        {
            Assert.AreEqual((17_000, 2), (result.Image.PixelWidth, result.Image.PixelHeight));
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(0, manager.FailedDiskStores, manager.LastDiskStoreFailure?.ToString());
        Assert.AreEqual(1, (await Disk(manager).GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
    }

    [TestMethod]
    public async Task LoadImageAsync_TransformedResultBeyondTheLimits_FailsAndKeepsTheOriginalOnDisk()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image(Png);
        var options = new ImageManagerOptions { DecodeOptions = new ImageDecodeOptions { Limits = new DecodingLimits { MaxPixelsPerFrame = 1_000_000 } } };
        await using var manager = ImageManagerTests.NewManager(_cacheDir, options);
        using (await manager.LoadImageAsync(url, new ImageLoadOptions { CacheType = ImageCacheType.Disk }, cancellationToken: TestContext.CancellationToken))
        {
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);

        // The 300 x 300 original is within the limits; stretched to 2000 x 2000 it is not. That is the transformers'
        // doing, not the bytes': the original stays on disk, as when a transformer refuses the image.
        var huge = new ImageLoadOptions { FromCacheOnly = true, Transformers = [new ResizeTransformer(new Size(2000, 2000), ResizeMode.Stretch)] };
        await Assert.ThrowsAsync<ImageLimitExceededException>(() => manager.LoadImageAsync(url, huge, cancellationToken: TestContext.CancellationToken));

        using var original = await manager.LoadImageAsync(url, new ImageLoadOptions { FromCacheOnly = true }, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(ImageLoadSource.Disk, original.Source);
        Assert.AreEqual(1, server.ImageHits(Png));
    }

    [TestMethod]
    public async Task LoadImageAsync_StoreTransformedOnDiskOff_StoresOnlyTheOriginal()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();

        using (await manager.LoadImageAsync(server.Image(Png), Avatar(new CountingTransformer()) with { StoreTransformedOnDisk = false }, cancellationToken: TestContext.CancellationToken))
        {
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, (await Disk(manager).GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
    }

    [TestMethod]
    public async Task LoadImageAsync_StoredResultDamaged_IsDroppedAndMadeAgainFromTheOriginal()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image(Png);
        var counter = new CountingTransformer();
        await using (var manager = NewManager())
        {
            using var result = await manager.LoadImageAsync(url, Avatar(counter), cancellationToken: TestContext.CancellationToken);
        }

        await using (var manager = NewManager())
        {
            // What only the stored result's own entry could hold: its key is the variant's memory key.
            var variantKey = global::ImageKit.Caching.Internal.MemoryCacheKey.For(url.AbsoluteUri, new ImageDecodeOptions { Transformers = Avatar(counter).Transformers });
            var stored = await Disk(manager).GetAsync(variantKey, TestContext.CancellationToken);
            Assert.IsNotNull(stored, "the result was stored under the variant's key");
            await Disk(manager).SetAsync(variantKey, stored.Data.AsMemory(0, stored.Data.Length / 2), stored.Metadata, TestContext.CancellationToken);

            using var again = await manager.LoadImageAsync(url, Avatar(counter), cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Disk, again.Source);
            Assert.AreEqual(2, counter.Calls, "made again from the original");
            Assert.AreEqual((48, 48), (again.Image.PixelWidth, again.Image.PixelHeight));
        }
    }

    [TestMethod]
    public async Task RemoveAsync_WithTheTransformersDecodeOptions_RemovesTheStoredResultToo()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image(Png);
        var counter = new CountingTransformer();
        await using var manager = NewManager();
        using (await manager.LoadImageAsync(url, Avatar(counter), cancellationToken: TestContext.CancellationToken))
        {
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(2, (await Disk(manager).GetStatisticsAsync(TestContext.CancellationToken)).EntryCount, "the original and the result");

        var removed = await manager.Cache.RemoveAsync(url.AbsoluteUri, ImageCacheType.All, new ImageDecodeOptions { Transformers = Avatar(counter).Transformers }, TestContext.CancellationToken);

        Assert.IsTrue(removed);
        Assert.AreEqual(0, (await Disk(manager).GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
    }

    [TestMethod]
    public async Task DisposeAsync_AfterTransformedStillsWereStoredInTheBackground_HasReleasedTheirPixels()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image(Png);
        List<PixelBuffer> pixels = [];
        await using (var manager = NewManager())
        {
            // From the network, then from the original on disk under other options: both results are stored in the
            // background, each holding its image until its store has run.
            foreach (var options in new[] { Avatar(new CountingTransformer()), new ImageLoadOptions { Transformers = [new CircleTransformer()] } })
            {
                using var result = await manager.LoadImageAsync(url, options, cancellationToken: TestContext.CancellationToken);
                using var frame = result.Image.GetFrame(0);
                pixels.Add(frame.Buffer);
            }
        }

        Assert.IsTrue(pixels.TrueForAll(p => p.IsReleased), "every background store gave its image back, and the memory cache its own");
    }

    [TestMethod]
    public async Task LoadImageAsync_ThumbnailInALaterManager_IsDecodedFromItsStoredResult()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.Image(Png);
        var thumbnail = new ImageLoadOptions { ThumbnailPixelSize = new Size(48, 48) };

        byte[] first;
        await using (var manager = NewManager())
        {
            using var result = await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Network, result.Source);
            first = Pixels(result.Image);
        }

        await using (var manager = NewManager())
        {
            Assert.AreEqual(2, (await Disk(manager).GetStatisticsAsync(TestContext.CancellationToken)).EntryCount, "the original and the thumbnail");

            // The cache says where the image came from: made from the original (TransformedFrom set) or the stored result.
            var decodeOptions = new ImageDecodeOptions { ThumbnailPixelSize = thumbnail.ThumbnailPixelSize };
            using (var hit = await manager.Cache.QueryAsync(url.AbsoluteUri, ImageCacheType.Disk, decodeOptions, TestContext.CancellationToken))
            {
                Assert.IsNotNull(hit);
                Assert.IsNull(hit.TransformedFrom, "decoded from the stored thumbnail, not made again from the original");
            }

            using var result = await manager.LoadImageAsync(url, thumbnail, cancellationToken: TestContext.CancellationToken);
            Assert.AreEqual(ImageLoadSource.Disk, result.Source);
            Assert.AreEqual((48, 48), (result.Image.PixelWidth, result.Image.PixelHeight));
            Assert.AreEqual(ImageFormat.Png, result.Image.Format, "the image still says what it was made from");
            AssertSamePixels(first, Pixels(result.Image));
        }

        Assert.AreEqual(1, server.ImageHits(Png));
    }

    [TestMethod]
    public async Task LoadImageAsync_ThumbnailNoSmallerThanTheImage_StoresOnlyTheOriginal()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        await using var manager = NewManager();

        // The box holds the whole 300 x 300 image: its pixels (360 KB) would gain nothing over the 11.7 KB PNG.
        using (await manager.LoadImageAsync(server.Image(Png), new ImageLoadOptions { ThumbnailPixelSize = new Size(400, 400) }, cancellationToken: TestContext.CancellationToken))
        {
        }

        await manager.WaitForDiskStoresAsync(TestContext.CancellationToken);
        Assert.AreEqual(1, (await Disk(manager).GetStatisticsAsync(TestContext.CancellationToken)).EntryCount);
    }

    private static ImageLoadOptions Avatar(CountingTransformer counter) =>
        new() { Transformers = [new ResizeTransformer(new Size(48, 48)), counter, new CircleTransformer()] };

    private static DiskImageCache Disk(ImageManager manager) => ((ImageCache)manager.Cache).Disk!;

    private ImageManager NewManager() => ImageManagerTests.NewManager(_cacheDir);

    private static byte[] Pixels(AnimatedImage image)
    {
        using var frame = image.GetFrame(0);
        return frame.Pixels.ToArray();
    }

    // Lossless, but premultiplied alpha goes through straight alpha and back: edge pixels may move by one level.
    private static void AssertSamePixels(byte[] expected, byte[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        var worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsLessThanOrEqualTo(1, worst, "every channel of every pixel within one level");
    }

    /// <summary>Changes nothing and counts its calls: a transform that ran shows here.</summary>
    private sealed class CountingTransformer : ImageTransformer
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override string Key => "counting";

        public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize)
        {
            Interlocked.Increment(ref _calls);
            input.CopyTo(output);
        }
    }
}
