using System.Buffers.Binary;
using System.Drawing;
using ImageKit.Caching;
using ImageKit.Caching.Internal;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;
using SkiaSharp;

namespace ImageKit.Tests.Caching;

/// <summary>
/// A transformed still or thumbnail stored on disk beside its original is input like any other: another process, an
/// older version or a load under higher limits wrote it. Its disk hit is held to the query's <see cref="DecodingLimits"/>
/// as a load from the original would be, and a variant over them is neither shown nor allowed to decode.
/// </summary>
[TestClass]
public sealed class ImageCacheStoredVariantLimitTests
{
    private const string Key = "https://example.com/photo.png";
    private string _dir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("imagekit-variant-limits-").FullName;

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public async Task QueryAsync_StoredThumbnailLargerThanTheLimits_IsNotUsedAndTheThumbnailIsMadeFromTheOriginal()
    {
        var original = Corpus.Read("TestImage.png"); // 300 x 300
        var options = new ImageDecodeOptions
        {
            ThumbnailPixelSize = new Size(48, 48),
            Limits = new DecodingLimits { MaxPixelsPerFrame = 1_000_000 },
        };
        await using var cache = NewCache();
        await cache.StoreAsync(Key, image: null, original, cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);

        // A "thumbnail" of 2,000 x 2,000 (4 megapixels) that names the original on disk: a few kilobytes of WebP.
        await StoreVariantAsync(cache, options, original, 2000, 2000);

        using var hit = await cache.QueryAsync(Key, ImageCacheType.Disk, options, TestContext.CancellationToken);

        Assert.IsNotNull(hit, "the original on disk is within the limits and answers");
        Assert.AreEqual((48, 48), (hit.Image.PixelWidth, hit.Image.PixelHeight), "made from the original, not the stored 2,000 x 2,000 result");
        Assert.IsNotNull(hit.TransformedFrom, "made from the original");
        Assert.IsNotNull(await cache.Disk!.GetAsync(Key, TestContext.CancellationToken), "the original stays");
    }

    [TestMethod]
    public async Task QueryAsync_StoredTransformedResultOverLowerLimits_ThrowsTheLimitErrorOfTheTransformAndKeepsTheEntries()
    {
        var original = Corpus.Read("TestImage.png"); // 300 x 300: 90,000 pixels
        var transformers = new ImageTransformer[] { new ResizeTransformer(new Size(600, 600)) };
        var generous = new ImageDecodeOptions { Transformers = transformers };
        var strict = generous with { Limits = new DecodingLimits { MaxPixelsPerFrame = 100_000 } };
        await using var cache = NewCache();
        await cache.StoreAsync(Key, image: null, original, cacheType: ImageCacheType.Disk, cancellationToken: TestContext.CancellationToken);

        // Made under the default limits (360,000 pixels are fine there), read under limits of 100,000 pixels.
        await StoreVariantAsync(cache, generous, original, 600, 600);

        var error = await Assert.ThrowsExactlyAsync<ImageLimitExceededException>(
            () => cache.QueryAsync(Key, ImageCacheType.Disk, strict, TestContext.CancellationToken));

        StringAssert.Contains(error.Message, "MaxPixelsPerFrame");
        Assert.IsNotNull(await cache.Disk!.GetAsync(Key, TestContext.CancellationToken), "the original is within the limits: not removed");
        Assert.IsNotNull(
            await cache.Disk.GetAsync(DiskVariant.KeyFor(Key, strict), TestContext.CancellationToken),
            "the stored result is fine under the limits it was made with: not removed");
        using var generousHit = await cache.QueryAsync(Key, ImageCacheType.Disk, generous, TestContext.CancellationToken);
        Assert.IsNotNull(generousHit);
        Assert.IsNull(generousHit.TransformedFrom, "under the default limits the stored result still answers");
    }

    private ImageCache NewCache() => new(new ImageCacheOptions
    {
        Memory = new MemoryImageCacheOptions { TrimOnMemoryPressure = false },
        Disk = new DiskImageCacheOptions { Directory = _dir },
    });

    // Writes what DiskVariant.Encode writes (a lossless WebP and its header naming the original), for any size.
    private async Task StoreVariantAsync(ImageCache cache, ImageDecodeOptions options, byte[] original, int width, int height)
    {
        byte[] webp;
        using (var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul)))
        {
            bitmap.Erase(SKColors.Teal);
            using var data = bitmap.Encode(SKEncodedImageFormat.Webp, 100);
            Assert.IsNotNull(data);
            webp = data.ToArray();
        }

        var (size, checksum) = DiskVariant.Identify(original);
        var header = new byte[23];
        "IKV1"u8.CopyTo(header);
        header[4] = (byte)ImageFormat.Png;
        header[5] = 1;
        header[6] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(7), size);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(15), checksum);
        await cache.Disk!.SetAsync(DiskVariant.KeyFor(Key, options), webp, new DiskCacheMetadata { ExtendedData = header }, TestContext.CancellationToken);
    }
}
