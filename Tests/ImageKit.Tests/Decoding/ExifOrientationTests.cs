using System.Drawing;
using System.Runtime.InteropServices;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
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
    public void AppliedExifOrientation_SaysWhatWasTurnedAlsoThroughAThumbnail()
    {
        var data = Corpus.Read("right-orientation.jpeg");
        using var upright = AnimatedImage.Decode(data);
        using var thumbnail = AnimatedImage.Decode(data, new ImageDecodeOptions { ThumbnailPixelSize = new Size(64, 64) });
        using var stored = AnimatedImage.Decode(data, new ImageDecodeOptions { Orientation = ExifOrientationPolicy.Ignore });

        Assert.AreEqual(6, upright.AppliedExifOrientation);
        Assert.AreEqual(6, thumbnail.AppliedExifOrientation);
        Assert.AreEqual(1, stored.AppliedExifOrientation);
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
    [DataRow(ExifOrientationPolicy.Browser)]
    [DataRow(ExifOrientationPolicy.Ignore)]
    public void GetFrame_TruncatedTurnedJpeg_FailsAsTheStoredOneDoes(ExifOrientationPolicy policy)
    {
        var whole = Corpus.Read("right-orientation.jpeg");
        using var image = AnimatedImage.Decode(whole.AsSpan(0, whole.Length / 2), new ImageDecodeOptions { Orientation = policy });

        var error = Assert.Throws<ImageDecodingException>(() => image.GetFrame(0).Dispose());
        StringAssert.Contains(error.Message, "truncated");
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

    [TestMethod]
    [DataRow(SKEncodedOrigin.TopRight)]
    [DataRow(SKEncodedOrigin.BottomRight)]
    [DataRow(SKEncodedOrigin.BottomLeft)]
    [DataRow(SKEncodedOrigin.LeftTop)]
    [DataRow(SKEncodedOrigin.RightTop)]
    [DataRow(SKEncodedOrigin.RightBottom)]
    [DataRow(SKEncodedOrigin.LeftBottom)]
    public void ExifOrientation_OddSizesAndPartialBands_MoveEveryPixelWhereSkiasMatrixPutsIt(SKEncodedOrigin origin)
    {
        // 150 rows: two whole bands of 64 and a partial one; 37 columns: an odd middle row for the in-place flips.
        foreach (var (width, height) in new[] { (37, 150), (150, 37), (1, 1), (5, 1) })
        {
            var random = new Random(width * 1000 + height);
            var stored = new byte[width * height * 4];
            random.NextBytes(stored);
            for (var i = 3; i < stored.Length; i += 4)
            {
                stored[i] = 0xFF; // opaque, so premultiplication cannot blur the comparison
            }

            var swaps = ExifOrientation.SwapsAxes(origin);
            var (uprightWidth, uprightHeight) = swaps ? (height, width) : (width, height);
            var actual = new byte[stored.Length];
            if (swaps)
            {
                ExifOrientation.WriteTurned(stored, width, height, actual, uprightWidth * 4, origin);
            }
            else
            {
                stored.CopyTo(actual, 0);
                ExifOrientation.FlipInPlace(actual, width, height, width * 4, origin);
            }

            CollectionAssert.AreEqual(DrawnUpright(stored, width, height, origin, uprightWidth, uprightHeight), actual, $"{width} x {height}");
        }
    }

    // The independent answer: Skia draws the stored pixels through the matrix that maps stored to upright coordinates
    // (the one Skia's own SkEncodedOriginToMatrix gives), nearest sampling, no blending.
    private static unsafe byte[] DrawnUpright(byte[] stored, int width, int height, SKEncodedOrigin origin, int uprightWidth, int uprightHeight)
    {
        var matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, width, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, width, 0, -1, height, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, height, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, height, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, height, -1, 0, width, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, width, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
        var info = new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul);
        using var source = new SKBitmap(info);
        Marshal.Copy(stored, 0, source.GetPixels(), stored.Length);
        using var target = new SKBitmap(new SKImageInfo(uprightWidth, uprightHeight, SKColorType.Bgra8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        using (var image = SKImage.FromBitmap(source))
        using (var paint = new SKPaint { BlendMode = SKBlendMode.Src })
        {
            canvas.SetMatrix(matrix);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), paint);
        }

        return target.Bytes;
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
