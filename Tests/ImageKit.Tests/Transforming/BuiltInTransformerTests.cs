using System.Drawing;
using ImageKit.Decoding;
using ImageKit.Transforming;

namespace ImageKit.Tests.Transforming;

/// <summary>What each built-in transformer makes of a picture whose result is known exactly.</summary>
[TestClass]
public sealed class BuiltInTransformerTests
{
    private static readonly (byte B, byte G, byte R, byte A) s_red = (0, 0, 255, 255);
    private static readonly (byte B, byte G, byte R, byte A) s_blue = (255, 0, 0, 255);

    private static AnimatedImage Decode(byte[] png, params ImageTransformer[] transformers) =>
        AnimatedImage.Decode(png, new ImageDecodeOptions { Transformers = transformers });

    [TestMethod]
    public void Resize_Fit_KeepsTheAspectRatioInsideTheBox()
    {
        using var image = Decode(TestPictures.RedBlue(40, 20), new ResizeTransformer(new Size(20, 20)));
        Assert.AreEqual((20, 10), (image.PixelWidth, image.PixelHeight));
        using var frame = image.GetFrame(0);
        Assert.AreEqual(s_red, TestPictures.Pixel(frame, 2, 5));
        Assert.AreEqual(s_blue, TestPictures.Pixel(frame, 17, 5));
    }

    [TestMethod]
    public void Resize_Fit_ScalesUpToTheBox()
    {
        using var image = Decode(TestPictures.RedBlue(40, 20), new ResizeTransformer(new Size(100, 100)));
        Assert.AreEqual((100, 50), (image.PixelWidth, image.PixelHeight));
    }

    [TestMethod]
    public void Resize_Fill_CoversTheBoxAndCutsTheOverflowEvenly()
    {
        // A 60 x 20 picture: red | blue | red thirds. Filling a 10 x 10 box keeps the middle 20 x 20, all blue.
        var png = TestPictures.Png(60, 20, (x, _) => x is >= 20 and < 40 ? SkiaSharp.SKColors.Blue : SkiaSharp.SKColors.Red, opaque: true);
        using var image = Decode(png, new ResizeTransformer(new Size(10, 10), ResizeMode.Fill));
        Assert.AreEqual((10, 10), (image.PixelWidth, image.PixelHeight));
        using var frame = image.GetFrame(0);
        Assert.AreEqual(s_blue, TestPictures.Pixel(frame, 0, 5), "the left third was cut");
        Assert.AreEqual(s_blue, TestPictures.Pixel(frame, 9, 5), "the right third was cut");
    }

    [TestMethod]
    public void Resize_Stretch_TakesTheBoxExactly()
    {
        using var image = Decode(TestPictures.RedBlue(40, 20), new ResizeTransformer(new Size(10, 40), ResizeMode.Stretch));
        Assert.AreEqual((10, 40), (image.PixelWidth, image.PixelHeight));
        using var frame = image.GetFrame(0);
        Assert.AreEqual(s_red, TestPictures.Pixel(frame, 1, 20));
        Assert.AreEqual(s_blue, TestPictures.Pixel(frame, 8, 20));
    }

    [TestMethod]
    public void Crop_KeepsThePartOfTheRectangleInsideTheImage()
    {
        using var image = Decode(TestPictures.RedBlue(40, 20), new CropTransformer(new Rectangle(15, 5, 100, 10)));
        Assert.AreEqual((25, 10), (image.PixelWidth, image.PixelHeight));
        using var frame = image.GetFrame(0);
        Assert.AreEqual(s_red, TestPictures.Pixel(frame, 4, 0), "x 19 of the picture");
        Assert.AreEqual(s_blue, TestPictures.Pixel(frame, 5, 9), "x 20 of the picture");
        Assert.AreEqual(s_blue, TestPictures.Pixel(frame, 24, 9));
    }

    [TestMethod]
    public void Crop_RectangleOutsideTheImage_FailsNamingTheTransformerAndTheSizes()
    {
        var e = Assert.ThrowsExactly<ImageTransformException>(() => Decode(TestPictures.RedBlue(40, 20), new CropTransformer(new Rectangle(50, 0, 10, 10))));
        Assert.AreEqual("crop(50,0,10x10)", e.TransformerKey);
        StringAssert.Contains(e.Message, "outside the 40x20 image");
    }

    [TestMethod]
    public void RoundCorners_MakesTheCornersTransparentAndKeepsTheMiddle()
    {
        using var image = Decode(TestPictures.RedBlue(40, 20), new RoundCornersTransformer(8));
        Assert.AreEqual((40, 20), (image.PixelWidth, image.PixelHeight));
        using (var plain = AnimatedImage.Decode(TestPictures.RedBlue(40, 20)))
        {
            Assert.IsFalse(plain.HasAlpha);
        }

        Assert.IsTrue(image.HasAlpha, "an opaque picture gains transparent corners");
        using var frame = image.GetFrame(0);
        Assert.AreEqual(0, TestPictures.Pixel(frame, 0, 0).A);
        Assert.AreEqual(0, TestPictures.Pixel(frame, 39, 19).A);
        Assert.AreEqual(s_red, TestPictures.Pixel(frame, 10, 0), "the top edge between the corners");
        Assert.AreEqual(s_blue, TestPictures.Pixel(frame, 30, 10));
        var edge = TestPictures.Pixel(frame, 1, 3).A;
        Assert.IsTrue(edge is > 0 and < 255, $"the curve is anti-aliased (alpha {edge})");
    }

    [TestMethod]
    public void Circle_CropsToTheCentredSquareAndClearsOutsideTheCircle()
    {
        using var image = Decode(TestPictures.RedBlue(40, 20), new CircleTransformer());
        Assert.AreEqual((20, 20), (image.PixelWidth, image.PixelHeight));
        using var frame = image.GetFrame(0);
        Assert.AreEqual(0, TestPictures.Pixel(frame, 0, 0).A);
        Assert.AreEqual(0, TestPictures.Pixel(frame, 19, 0).A);
        Assert.AreEqual(s_red, TestPictures.Pixel(frame, 5, 10), "x 15 of the picture");
        Assert.AreEqual(s_blue, TestPictures.Pixel(frame, 14, 10), "x 24 of the picture");
        Assert.AreEqual(s_red, TestPictures.Pixel(frame, 9, 1), "the circle reaches the top edge");
        Assert.IsGreaterThan(128, (int)TestPictures.Pixel(frame, 9, 0).A, "the circle reaches the top edge");
    }

    [TestMethod]
    public void Blur_SmoothsDetailAndKeepsTheEdgesOpaque()
    {
        var png = TestPictures.Stripes(40, 20);
        using var sharp = AnimatedImage.Decode(png);
        using var image = Decode(png, new BlurTransformer(3));
        using var before = sharp.GetFrame(0);
        using var after = image.GetFrame(0);
        Assert.IsGreaterThan(100, TestPictures.RedStatistics(before).Deviation);
        Assert.IsFalse(sharp.HasAlpha);
        for (var x = 10; x < 30; x++)
        {
            // Away from the edges (where the edge pixels are repeated outwards), one-pixel stripes blur into grey.
            var red = TestPictures.Pixel(after, x, 10).R;
            Assert.IsTrue(Math.Abs(red - 127.5) < 3, $"x {x}: {red}");
        }

        Assert.AreEqual(255, TestPictures.Pixel(after, 0, 0).A);
        Assert.AreEqual(255, TestPictures.Pixel(after, 39, 19).A);
        Assert.IsFalse(image.HasAlpha, "an opaque picture stays opaque");
    }

    [TestMethod]
    [DataRow(2e38f)]
    [DataRow(float.MaxValue)]
    public void Blur_SigmaNearFloatMax_BlursAsALargeSigmaDoesInsteadOfErasingTheImage(float sigma)
    {
        // Any positive finite sigma is accepted; the largest ones once made Skia draw nothing (three sigmas overflow a
        // float), so an opaque picture that claimed to stay opaque came out fully transparent.
        var png = TestPictures.Stripes(40, 20);
        using var large = Decode(png, new BlurTransformer(1000));
        using var huge = Decode(png, new BlurTransformer(sigma));
        using var expected = large.GetFrame(0);
        using var actual = huge.GetFrame(0);

        Assert.AreEqual(255, TestPictures.Pixel(actual, 0, 0).A, "an opaque picture stays opaque");
        Assert.IsFalse(huge.HasAlpha);
        Assert.IsTrue(actual.Pixels.SequenceEqual(expected.Pixels), "the same as any other blur wider than the picture");
    }

    [TestMethod]
    public void Grayscale_UsesTheLuminanceWeightsAndKeepsAlpha()
    {
        var png = TestPictures.Png(4, 1, (x, _) => x switch
        {
            0 => SkiaSharp.SKColors.Red,
            1 => SkiaSharp.SKColors.Lime,
            2 => SkiaSharp.SKColors.Blue,
            _ => new SkiaSharp.SKColor(255, 0, 0, 128),
        });
        using var image = Decode(png, new GrayscaleTransformer());
        using var frame = image.GetFrame(0);
        AssertGrey(54, 255, TestPictures.Pixel(frame, 0, 0)); // 0.2126 x 255
        AssertGrey(182, 255, TestPictures.Pixel(frame, 1, 0)); // 0.7152 x 255
        AssertGrey(18, 255, TestPictures.Pixel(frame, 2, 0)); // 0.0722 x 255
        AssertGrey(27, 128, TestPictures.Pixel(frame, 3, 0)); // 54 premultiplied by half

        static void AssertGrey(int grey, int alpha, (byte B, byte G, byte R, byte A) pixel)
        {
            Assert.AreEqual(alpha, pixel.A, $"alpha of {pixel}");
            foreach (var channel in new[] { pixel.B, pixel.G, pixel.R })
            {
                Assert.IsTrue(Math.Abs(channel - grey) <= 1, $"{pixel} is not grey {grey}");
            }
        }
    }

    [TestMethod]
    public void Transformers_RunInTheOrderGiven()
    {
        var png = TestPictures.RedBlue(40, 20);
        using var cropThenResize = Decode(png, new CropTransformer(new Rectangle(0, 0, 20, 20)), new ResizeTransformer(new Size(10, 40), ResizeMode.Stretch));
        using var resizeThenCrop = Decode(png, new ResizeTransformer(new Size(10, 40), ResizeMode.Stretch), new CropTransformer(new Rectangle(0, 0, 20, 20)));
        Assert.AreEqual((10, 40), (cropThenResize.PixelWidth, cropThenResize.PixelHeight));
        Assert.AreEqual((10, 20), (resizeThenCrop.PixelWidth, resizeThenCrop.PixelHeight));
        using var frame = cropThenResize.GetFrame(0);
        Assert.AreEqual(s_red, TestPictures.Pixel(frame, 9, 39), "only the red half was kept, then stretched");
    }

    [TestMethod]
    public void Constructors_RefuseParametersWithoutAMeaning()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ResizeTransformer(new Size(0, 10)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ResizeTransformer(new Size(10, 10), (ResizeMode)7));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CropTransformer(new Rectangle(0, 0, 0, 5)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CropTransformer(new Rectangle(int.MaxValue - 1, 0, 5, 5)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RoundCornersTransformer(float.NaN));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RoundCornersTransformer(-1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BlurTransformer(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BlurTransformer(float.PositiveInfinity));
    }

    [TestMethod]
    public void Transform_CalledDirectlyWithSpansSmallerThanTheirSizes_ThrowsInsteadOfWritingPastThem()
    {
        var input = new byte[10 * 10 * 4];
        var output = new byte[(10 * 10 * 4) - 1];
        ImageTransformer[] transformers =
        [
            new ResizeTransformer(new Size(10, 10)), new CropTransformer(new Rectangle(0, 0, 10, 10)), new RoundCornersTransformer(2),
            new CircleTransformer(), new BlurTransformer(1), new GrayscaleTransformer(),
        ];
        foreach (var transformer in transformers)
        {
            Assert.ThrowsExactly<ArgumentException>(() => transformer.Transform(input, new Size(10, 10), output, new Size(10, 10)), transformer.Key);
            Assert.ThrowsExactly<ArgumentException>(() => transformer.Transform(input, new Size(10, 11), new byte[input.Length], new Size(10, 10)), transformer.Key);
        }
    }

    [TestMethod]
    public void Keys_NameEveryParameter()
    {
        Assert.AreEqual("resize(200x100,Fill)", new ResizeTransformer(new Size(200, 100), ResizeMode.Fill).Key);
        Assert.AreEqual("crop(-5,10,20x30)", new CropTransformer(new Rectangle(-5, 10, 20, 30)).Key);
        Assert.AreEqual("round-corners(12.5)", new RoundCornersTransformer(12.5f).Key);
        Assert.AreEqual("circle", new CircleTransformer().Key);
        Assert.AreEqual("blur(2)", new BlurTransformer(2).Key);
        Assert.AreEqual("grayscale", new GrayscaleTransformer().Key);
    }
}
