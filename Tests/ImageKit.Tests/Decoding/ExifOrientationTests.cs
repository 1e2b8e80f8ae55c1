using System.Drawing;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using SkiaSharp;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Stills carrying an EXIF orientation are turned upright as ImageMagick's <c>-auto-orient</c> turns them (fixtures from
/// <c>tools/make-orientation-fixtures.sh</c>): JPEG by default, as browsers do; WebP and PNG with <see
/// cref="ExifOrientationPolicy.AllFormats"/>; nothing with <see cref="ExifOrientationPolicy.Ignore"/>.
/// </summary>
[TestClass]
public sealed class ExifOrientationTests
{
    private static readonly string s_fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "orientation");

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    [DataRow(5)]
    [DataRow(6)]
    [DataRow(7)]
    [DataRow(8)]
    public void Decode_JpegWithEachOrientation_IsUprightAsImageMagickShowsIt(int orientation)
    {
        using var image = AnimatedImage.Decode(File.ReadAllBytes(Path.Combine(s_fixtures, $"orientation-{orientation}.jpg")));

        AssertLooksLike(Path.Combine(s_fixtures, $"orientation-{orientation}.upright.png"), image, maxMean: 1.5);
    }

    [TestMethod]
    public void Decode_PortraitPhotoFromNukesTests_IsUprightWithTheDisplayedSize()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("right-orientation.jpeg"));

        Assert.AreEqual((640, 480), (image.PixelWidth, image.PixelHeight), "stored 480 x 640, shown 640 x 480");
        AssertLooksLike(Path.Combine(s_fixtures, "right-orientation.jpeg.upright.png"), image, maxMean: 1.5);
    }

    [TestMethod]
    public void Decode_JpegWithIgnore_KeepsThePixelsAsStored()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("right-orientation.jpeg"), new ImageDecodeOptions { Orientation = ExifOrientationPolicy.Ignore });

        Assert.AreEqual((480, 640), (image.PixelWidth, image.PixelHeight));
        AssertLooksLike(Path.Combine(Corpus.ReferenceDirectory, "right-orientation.jpeg", "frame-0000.png"), image, maxMean: 1.5);
    }

    [TestMethod]
    public void Decode_WebpOrientation_BrowserKeepsItAsStoredAndAllFormatsTurnsItUpright()
    {
        var data = Corpus.Read("6.webp"); // Skia's test image: stored 80 x 100, orientation 6
        using var browser = AnimatedImage.Decode(data);
        using var upright = AnimatedImage.Decode(data, new ImageDecodeOptions { Orientation = ExifOrientationPolicy.AllFormats });

        Assert.AreEqual((80, 100), (browser.PixelWidth, browser.PixelHeight), "browsers ignore it");
        AssertLooksLike(Path.Combine(s_fixtures, "6.webp.upright.png"), upright, maxMean: 2.0);
    }

    [TestMethod]
    [DataRow("Exif6.webp", 640, 427)]
    [DataRow("Exif2.webp", 640, 427)] // mirrored: the same size
    public void Decode_WebpFromDanboorusTests_AllFormatsGivesTheUprightSize(string file, int width, int height)
    {
        using var image = AnimatedImage.Decode(Corpus.Read(file), new ImageDecodeOptions { Orientation = ExifOrientationPolicy.AllFormats });

        Assert.AreEqual((width, height), (image.PixelWidth, image.PixelHeight));
    }

    [TestMethod]
    public void Decode_AnimationWithAnOrientation_IsShownAsStored()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("stoplight_h.webp"), new ImageDecodeOptions { Orientation = ExifOrientationPolicy.AllFormats });

        Assert.AreEqual((11, 29), (image.PixelWidth, image.PixelHeight));
        Assert.AreEqual(3, image.FrameCount);
    }

    [TestMethod]
    [DataRow(6, 16, 16, 10, 16)] // stored 48 x 32, upright 32 x 48
    [DataRow(8, 0, 24, 16, 24)]
    [DataRow(3, 24, 0, 24, 16)]
    public void Decode_ThumbnailOfATurnedJpeg_FitsTheUprightSizeAndLooksLikeIt(int orientation, int boxWidth, int boxHeight, int width, int height)
    {
        using var image = AnimatedImage.Decode(
            File.ReadAllBytes(Path.Combine(s_fixtures, $"orientation-{orientation}.jpg")),
            new ImageDecodeOptions { ThumbnailPixelSize = new Size(boxWidth, boxHeight) });

        Assert.AreEqual((width, height), (image.PixelWidth, image.PixelHeight));
        using var frame = image.GetFrame(0);
        var expected = Resampled(Path.Combine(s_fixtures, $"orientation-{orientation}.upright.png"), width, height);
        var (_, mean) = Difference(expected, ReferenceFrameTests.ToRgbaPremultiplied(frame));

        // Colour edges are filtered differently at a reduced size; a wrong turn swaps whole blocks of colour (mean ~60).
        Assert.IsLessThan(8.0, mean, $"mean difference {mean:0.00}");
    }

    private static void AssertLooksLike(string referencePath, AnimatedImage image, double maxMean)
    {
        var (expected, width, height) = ReferenceFrameTests.ReadReferencePremultiplied(referencePath);
        Assert.AreEqual((width, height), (image.PixelWidth, image.PixelHeight), "size");
        using var frame = image.GetFrame(0);
        var (max, mean) = Difference(expected, ReferenceFrameTests.ToRgbaPremultiplied(frame));
        Assert.IsLessThanOrEqualTo(maxMean, mean, $"mean difference {mean:0.00} (max {max})");
    }

    private static (int Max, double Mean) Difference(byte[] expected, byte[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        var (max, sum) = (0, 0L);
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs(expected[i] - actual[i]);
            max = Math.Max(max, difference);
            sum += difference;
        }

        return (max, (double)sum / expected.Length);
    }

    private static unsafe byte[] Resampled(string path, int width, int height)
    {
        var (rgba, fullWidth, fullHeight) = ReferenceFrameTests.ReadReferencePremultiplied(path);
        var result = new byte[width * height * 4];
        fixed (byte* source = rgba)
        fixed (byte* target = result)
        {
            using var from = new SKPixmap(new SKImageInfo(fullWidth, fullHeight, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)source);
            using var to = new SKPixmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), (IntPtr)target);
            Assert.IsTrue(from.ScalePixels(to, new SKSamplingOptions(SKCubicResampler.Mitchell)));
        }

        return result;
    }
}
