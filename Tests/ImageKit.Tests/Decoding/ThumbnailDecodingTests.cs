using System.Drawing;
using ImageKit.Decoding;
using ImageKit.Decoding.Skia;
using ImageKit.Tests.TestUtilities;
using SkiaSharp;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// <see cref="ImageDecodeOptions.ThumbnailPixelSize"/>: the image fits the box with its aspect ratio, is never scaled up,
/// and a still whose codec can decode smaller is never decoded at full size.
/// </summary>
[TestClass]
public sealed class ThumbnailDecodingTests
{
    [TestMethod]
    [DataRow(4000, 3000, 200, 200, 0L, 200, 150)]
    [DataRow(3000, 4000, 200, 200, 0L, 150, 200)]
    [DataRow(4000, 3000, 200, 0, 0L, 200, 150)]
    [DataRow(4000, 3000, 0, 100, 0L, 133, 100)]
    [DataRow(4000, 3000, 400, 400, 10_000L, 115, 86)] // the pixel limit binds
    [DataRow(4000, 3000, 100, 100, 1_000_000L, 100, 75)] // the box binds
    [DataRow(1, 1000, 10, 10, 0L, 1, 10)]
    [DataRow(5000, 3, 100, 100, 0L, 100, 1)] // at least one pixel
    [DataRow(4001, 3001, 200, 200, 0L, 200, 150)]
    public void ScaledSize_BoxAndPixelLimit_FitsBothWithTheAspectRatioKept(int width, int height, int boxWidth, int boxHeight, long maxPixels, int expectedWidth, int expectedHeight)
    {
        var options = new ImageDecodeOptions { ThumbnailPixelSize = new Size(boxWidth, boxHeight), MaxPixelCount = maxPixels };

        Assert.AreEqual((expectedWidth, expectedHeight), options.ScaledSize(width, height));
    }

    [TestMethod]
    [DataRow(1, 100_000, 0, 0, 10L, 1, 10)] // a side that cannot shrink below one pixel: the other takes the limit
    [DataRow(100_000, 2, 0, 0, 10L, 10, 1)]
    [DataRow(1, 100_000, 10, 10, 5L, 1, 5)] // the box allows 1 x 10, the pixel limit 5 pixels
    [DataRow(3, 90_000, 0, 0, 60L, 1, 60)]
    public void ScaledSize_PixelLimitBelowOnePixelASide_StaysWithinTheLimit(int width, int height, int boxWidth, int boxHeight, long maxPixels, int expectedWidth, int expectedHeight)
    {
        // Keeping the aspect ratio would make one side less than a pixel; it is one pixel, and the other side may then
        // have no more pixels than the limit (it had as many as the aspect ratio gave: 1 x 1,000 for a limit of 10).
        var options = new ImageDecodeOptions { ThumbnailPixelSize = new Size(boxWidth, boxHeight), MaxPixelCount = maxPixels };

        var size = options.ScaledSize(width, height);

        Assert.AreEqual((expectedWidth, expectedHeight), size);
    }

    [TestMethod]
    [DataRow(100, 50, 200, 200)]
    [DataRow(200, 150, 200, 150)]
    [DataRow(4000, 3000, 0, 0)]
    [DataRow(4000, 3000, 4000, 0)]
    public void ScaledSize_ImageAlreadyInTheBox_KeepsItsSize(int width, int height, int boxWidth, int boxHeight)
    {
        var options = new ImageDecodeOptions { ThumbnailPixelSize = new Size(boxWidth, boxHeight) };

        Assert.IsNull(options.ScaledSize(width, height));
    }

    [TestMethod]
    public void ThumbnailPixelSize_NegativeSide_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDecodeOptions { ThumbnailPixelSize = new Size(-1, 100) });
        StringAssert.Contains(error.Message, "negative");
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageLoadOptions { ThumbnailPixelSize = new Size(100, -1) });
    }

    [TestMethod]
    public void Decode_SourceThatDecodesSmaller_IsNeverAskedForItsFullSize()
    {
        var decoder = new ReducingDecoder { ReducedSize = (500, 375) };
        var registry = new ImageDecoderRegistry([decoder]);

        using var image = registry.Decode(Corpus.Read("any-disposal.gif"), new ImageDecodeOptions { ThumbnailPixelSize = new Size(200, 200) });
        using var frame = image.GetFrame(0);

        Assert.AreEqual((200, 150), (image.PixelWidth, image.PixelHeight));
        Assert.AreEqual((200, 150), decoder.Source!.AskedFor);
        CollectionAssert.AreEqual(new[] { (500, 375) }, decoder.Source.Rendered);
        Assert.AreEqual(0, decoder.Source.FullRenders);
        AssertAllPixels(frame, ReducingSource.Blue);
    }

    [TestMethod]
    public void Decode_SourceThatDecodesToTheExactSize_DecodesStraightIntoTheFrame()
    {
        var decoder = new ReducingDecoder { ReducedSize = (200, 150) };
        var registry = new ImageDecoderRegistry([decoder]);

        using var image = registry.Decode(Corpus.Read("any-disposal.gif"), new ImageDecodeOptions { ThumbnailPixelSize = new Size(200, 200) });
        using var frame = image.GetFrame(0);

        CollectionAssert.AreEqual(new[] { (200, 150) }, decoder.Source!.Rendered);
        Assert.AreEqual(0, decoder.Source.FullRenders);
        AssertAllPixels(frame, ReducingSource.Blue);
    }

    [TestMethod]
    public void Decode_SourceThatCannotDecodeSmaller_IsDecodedAtFullSizeAndResampled()
    {
        var decoder = new ReducingDecoder { ReducedSize = null };
        var registry = new ImageDecoderRegistry([decoder]);

        using var image = registry.Decode(Corpus.Read("any-disposal.gif"), new ImageDecodeOptions { ThumbnailPixelSize = new Size(200, 200) });
        using var frame = image.GetFrame(0);

        Assert.AreEqual((200, 150), (frame.Width, frame.Height));
        Assert.IsEmpty(decoder.Source!.Rendered);
        Assert.AreEqual(1, decoder.Source.FullRenders);
        AssertAllPixels(frame, ReducingSource.Blue);
    }

    [TestMethod]
    [DataRow(SKEncodedImageFormat.Jpeg, 1600, 1200, 200, 200, 200, 150)] // an eighth exactly
    [DataRow(SKEncodedImageFormat.Jpeg, 1600, 1200, 610, 610, 800, 600)] // 0.38 rounds down to 3/8: the next eighth up
    [DataRow(SKEncodedImageFormat.Jpeg, 1600, 1200, 700, 700, 800, 600)]
    [DataRow(SKEncodedImageFormat.Webp, 1600, 1200, 333, 333, 333, 250)] // any size
    [DataRow(SKEncodedImageFormat.Webp, 1601, 1203, 200, 200, 200, 150)]
    public void ReducedDecodeSize_JpegAndWebp_IsTheSmallestDecodableSizeNotBelowTheTarget(
        SKEncodedImageFormat format, int width, int height, int boxWidth, int boxHeight, int expectedWidth, int expectedHeight)
    {
        var data = EncodePattern(format, width, height);
        using var source = SkiaCodecSource.Create(data, format == SKEncodedImageFormat.Jpeg ? ImageFormat.Jpeg : ImageFormat.WebP, ImageDecodeOptions.Default);
        var target = new ImageDecodeOptions { ThumbnailPixelSize = new Size(boxWidth, boxHeight) }.ScaledSize(width, height)!.Value;

        var reduced = source.ReducedDecodeSize(target.Width, target.Height);

        Assert.AreEqual((expectedWidth, expectedHeight), reduced);
        Assert.IsTrue(reduced!.Value.Width >= target.Width && reduced.Value.Height >= target.Height, "never below the target");
    }

    [TestMethod]
    public void ReducedDecodeSize_Png_IsNull()
    {
        var data = EncodePattern(SKEncodedImageFormat.Png, 400, 300);
        using var source = SkiaCodecSource.Create(data, ImageFormat.Png, ImageDecodeOptions.Default);

        Assert.IsNull(source.ReducedDecodeSize(100, 75));
    }

    [TestMethod]
    [DataRow(SKEncodedImageFormat.Jpeg, 1600, 1200, 200, 150)]
    [DataRow(SKEncodedImageFormat.Jpeg, 1600, 1200, 610, 457)]
    [DataRow(SKEncodedImageFormat.Webp, 1600, 1200, 333, 249)]
    [DataRow(SKEncodedImageFormat.Png, 800, 600, 200, 150)]
    public void GetFrame_Thumbnail_LooksLikeTheFullImageResampled(SKEncodedImageFormat format, int width, int height, int boxWidth, int boxHeight)
    {
        var data = EncodePattern(format, width, height);
        using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { ThumbnailPixelSize = new Size(boxWidth, boxHeight) });
        using var frame = image.GetFrame(0);
        var expected = FullDecodeResampled(data, frame.Width, frame.Height);

        Assert.IsLessThanOrEqualTo(boxWidth, frame.Width);
        Assert.IsLessThanOrEqualTo(boxHeight, frame.Height);
        var pixels = frame.Pixels.ToArray();
        double total = 0;
        for (var i = 0; i < pixels.Length; i++)
        {
            total += Math.Abs(pixels[i] - expected[i]);
        }

        // A reduced decode (libjpeg's scaled IDCT, libwebp's scaler) is a different filter from Mitchell on the full
        // image, but the same picture: on this pattern they differ by 0.1-0.3 levels in 255 on average (a frame decoded
        // with the wrong row length or channel order is tens of levels off).
        var mean = total / pixels.Length;
        Assert.IsLessThan(1.0, mean, $"mean difference per channel {mean:0.00}");
    }

    [TestMethod]
    [DataRow(SKEncodedImageFormat.Jpeg, 1600, 1200, 1, 1, 1, 1)]
    [DataRow(SKEncodedImageFormat.Webp, 1600, 1200, 1, 1, 1, 1)]
    [DataRow(SKEncodedImageFormat.Png, 1600, 1200, 1, 1, 1, 1)]
    [DataRow(SKEncodedImageFormat.Webp, 3000, 7, 100, 100, 100, 1)]
    [DataRow(SKEncodedImageFormat.Jpeg, 7, 3000, 100, 100, 1, 100)]
    public void GetFrame_TinyBoxOrExtremeAspect_GivesAFrameOfThatSize(SKEncodedImageFormat format, int width, int height, int boxWidth, int boxHeight, int expectedWidth, int expectedHeight)
    {
        var data = EncodePattern(format, width, height);
        using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { ThumbnailPixelSize = new Size(boxWidth, boxHeight) });
        using var frame = image.GetFrame(0);

        Assert.AreEqual((expectedWidth, expectedHeight), (frame.Width, frame.Height));
        Assert.AreEqual(0xFF, frame.Pixels[3], "an opaque picture stays opaque");
    }

    [TestMethod]
    public void Decode_AnimatedThumbnail_ScalesEveryFrame()
    {
        var data = Corpus.Read("animated-red-blue.gif");
        using var full = AnimatedImage.Decode(data);
        using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { ThumbnailPixelSize = new Size(full.PixelWidth / 2, 0) });

        Assert.AreEqual(full.PixelWidth / 2, image.PixelWidth);
        Assert.AreEqual(full.FrameCount, image.FrameCount);
        for (var i = 0; i < image.FrameCount; i++)
        {
            using var frame = image.GetFrame(i);
            Assert.AreEqual(image.PixelWidth, frame.Width);
        }
    }

    private static void AssertAllPixels(ImageFrame frame, uint bgra)
    {
        var pixels = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(frame.Pixels);
        Assert.AreEqual(frame.Width * frame.Height, pixels.Length);
        Assert.AreEqual(-1, pixels.IndexOfAnyExcept(bgra), "every pixel is the source's colour");
    }

    private static byte[] EncodePattern(SKEncodedImageFormat format, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            using var gradient = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height), [SKColors.Crimson, SKColors.Gold, SKColors.Teal], SKShaderTileMode.Clamp);
            using var paint = new SKPaint { Shader = gradient };
            canvas.DrawRect(0, 0, width, height, paint);
            using var circle = new SKPaint { Color = SKColors.Navy, IsAntialias = true };
            canvas.DrawCircle(width / 2f, height / 2f, Math.Min(width, height) / 3f, circle);
        }

        using var encoded = bitmap.Encode(format, 90);
        return encoded.ToArray();
    }

    private static byte[] FullDecodeResampled(byte[] data, int width, int height)
    {
        using var codec = SKCodec.Create(new MemoryStream(data));
        using var decoded = new SKBitmap(new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul));
        Assert.AreEqual(SKCodecResult.Success, codec.GetPixels(decoded.Info, decoded.GetPixels()));
        using var scaled = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul));
        Assert.IsTrue(decoded.ScalePixels(scaled, new SKSamplingOptions(SKCubicResampler.Mitchell)));
        return scaled.Bytes;
    }
}
