using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.Transforming;
using SkiaSharp;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// The resampler behind scale-down, thumbnails and <see cref="ImageKit.Transforming.ResizeTransformer"/>: shrinking
/// averages what it covers (no moiré), flat colour stays flat, results are valid premultiplied pixels.
/// </summary>
[TestClass]
public sealed class ResamplerTests
{
    [TestMethod]
    [DataRow(1600, 533)] // 3x
    [DataRow(1600, 400)] // 4x
    [DataRow(1600, 1000)] // 1.6x
    [DataRow(1600, 130)] // 12.3x
    public void Resize_OnePixelStripesShrunk_BecomeEvenGreyInsteadOfMoire(int width, int target)
    {
        var source = Stripes(width, 16);
        var output = new byte[target * 4 * 4];
        Resampler.Resize(source, width, 16, width * 4, output, target, 4, target * 4);

        // Away from the two edge columns (where the filter's reach is cut), every pixel is the stripes' average.
        for (var x = 2; x < target - 2; x++)
        {
            for (var y = 0; y < 4; y++)
            {
                var red = output[(y * target * 4) + (x * 4) + 2];
                Assert.IsTrue(Math.Abs(red - 127.5) <= 8, $"x {x}, y {y}: {red}");
            }
        }
    }

    [TestMethod]
    public void Resize_LinearGradientShrunk_KeepsTheValueAtEachOutputCentre()
    {
        var source = new byte[256 * 4];
        for (var x = 0; x < 256; x++)
        {
            source.AsSpan(x * 4, 4).Fill((byte)x); // grey x, alpha x: valid premultiplied
        }

        var output = new byte[64 * 4];
        Resampler.Resize(source, 256, 1, 256 * 4, output, 64, 1, 64 * 4);
        for (var i = 2; i < 62; i++)
        {
            // Output pixel i covers source pixels 4i..4i+3, whose mean is 4i + 1.5; a symmetric filter keeps a line's value.
            Assert.IsTrue(Math.Abs(output[(i * 4) + 3] - ((4 * i) + 1.5)) <= 1, $"pixel {i}: {output[(i * 4) + 3]}");
        }
    }

    [TestMethod]
    [DataRow(1004, 100)] // a block reduction by 5 whose last block is 4 pixels
    [DataRow(1000, 100)]
    [DataRow(302, 100)] // no block reduction
    public void Resize_EdgeInTheMiddle_StaysInTheMiddle(int width, int target)
    {
        // Left half opaque black, right half opaque white; the edge at width / 2 maps to target / 2.
        var source = new byte[width * 4];
        for (var x = 0; x < width; x++)
        {
            source.AsSpan(x * 4, 4).Fill(2 * x < width ? (byte)0 : (byte)255);
            source[(x * 4) + 3] = 255;
        }

        var output = new byte[target * 4];
        Resampler.Resize(source, width, 1, width * 4, output, target, 1, target * 4);
        var middle = target / 2;
        Assert.AreEqual(0, output[((middle - 3) * 4) + 2], "well left of the edge");
        Assert.AreEqual(255, output[((middle + 2) * 4) + 2], "well right of the edge");
        var across = output[((middle - 1) * 4) + 2] + output[(middle * 4) + 2];
        Assert.IsTrue(Math.Abs(across - 255) <= 6, $"the two pixels beside the edge mirror each other: {output[((middle - 1) * 4) + 2]} + {output[(middle * 4) + 2]}");
    }

    [TestMethod]
    [DataRow(37, 23, 5, 3)]
    [DataRow(37, 23, 36, 22)]
    [DataRow(5, 3, 37, 23)]
    [DataRow(1, 1, 9, 4)]
    public void Resize_FlatColour_StaysExactlyThatColour(int width, int height, int targetWidth, int targetHeight)
    {
        byte[] colour = [40, 80, 120, 128]; // premultiplied, half transparent
        var source = new byte[width * height * 4];
        for (var i = 0; i < source.Length; i += 4)
        {
            colour.CopyTo(source, i);
        }

        var output = new byte[targetWidth * targetHeight * 4];
        Resampler.Resize(source, width, height, width * 4, output, targetWidth, targetHeight, targetWidth * 4);
        for (var i = 0; i < output.Length; i += 4)
        {
            CollectionAssert.AreEqual(colour, output[i..(i + 4)], $"pixel {i / 4}");
        }
    }

    [TestMethod]
    public void Resize_HardEdgeAgainstTransparency_GivesValidPremultipliedPixels()
    {
        // Opaque white next to transparent: the filter's negative lobes overshoot colour; it must never exceed alpha.
        var source = new byte[64 * 8 * 4];
        for (var y = 0; y < 8; y++)
        {
            source.AsSpan(((y * 64) + 32) * 4, 32 * 4).Fill(255);
        }

        foreach (var target in new[] { 20, 48, 150 })
        {
            var output = new byte[target * 8 * 4];
            Resampler.Resize(source, 64, 8, 64 * 4, output, target, 8, target * 4);
            for (var i = 0; i < output.Length; i += 4)
            {
                var alpha = output[i + 3];
                Assert.IsTrue(output[i] <= alpha && output[i + 1] <= alpha && output[i + 2] <= alpha, $"width {target}, pixel {i / 4}: colour above alpha {alpha}");
            }

            Assert.AreEqual(0, output[3], "the transparent side stays transparent");
            Assert.AreEqual(255, output[^1], "the opaque side stays opaque");
        }
    }

    [TestMethod]
    public void Resize_AnySizesIncludingOnePixelAndExtremeRatios_GiveValidPixelsAndKeepFlatColour()
    {
        // Seeded, so a failure repeats: 150 random pairs of sizes from 1 to 300 a side, plus the extremes by hand.
        var random = new Random(20261202);
        var pairs = Enumerable.Range(0, 150)
            .Select(_ => (random.Next(1, 301), random.Next(1, 301), random.Next(1, 301), random.Next(1, 301)))
            .Concat([(1, 1, 700, 1), (700, 1, 1, 1), (1, 700, 1, 1), (700, 700, 1, 1), (1, 1, 1, 700), (700, 3, 2, 650), (513, 257, 1, 1)]);
        foreach (var (width, height, targetWidth, targetHeight) in pairs)
        {
            var source = new byte[width * height * 4];
            for (var i = 0; i < source.Length; i += 4)
            {
                // Random premultiplied pixels: every colour channel at most alpha.
                var alpha = (byte)random.Next(256);
                for (var c = 0; c < 3; c++)
                {
                    source[i + c] = (byte)random.Next(alpha + 1);
                }

                source[i + 3] = alpha;
            }

            var output = new byte[targetWidth * targetHeight * 4];
            Resampler.Resize(source, width, height, width * 4, output, targetWidth, targetHeight, targetWidth * 4);
            for (var i = 0; i < output.Length; i += 4)
            {
                Assert.IsTrue(output[i] <= output[i + 3] && output[i + 1] <= output[i + 3] && output[i + 2] <= output[i + 3], $"{width}x{height} to {targetWidth}x{targetHeight}, pixel {i / 4}: colour above alpha");
            }

            source.AsSpan().Fill(200);
            Resampler.Resize(source, width, height, width * 4, output, targetWidth, targetHeight, targetWidth * 4);
            Assert.IsTrue(output.AsSpan().IndexOfAnyExcept((byte)200) < 0, $"{width}x{height} to {targetWidth}x{targetHeight}: flat colour changed");
        }
    }

    [TestMethod]
    [DataRow(1001, 100)] // a block reduction by 5 whose last block is 1 pixel
    [DataRow(1003, 100)] // ... whose last block is 3 pixels
    [DataRow(2011, 64)] // a block reduction by 15 whose last block is 1 pixel
    public void Resize_FrameShrunkWithANarrowLastBlock_IsCloseToTheFullFilterAtEveryEdge(int side, int target)
    {
        // Opaque white with a one-pixel black frame. The block reduction before the filter may move a pixel within its
        // block, but a narrow last block must weigh its few pixels, not a whole block's worth: every pixel, the right and
        // bottom edges included, stays near the plain Mitchell filter over the full-size source.
        var line = new double[side];
        var source = new byte[side * side * 4];
        for (var y = 0; y < side; y++)
        {
            line[y] = y == 0 || y == side - 1 ? 0 : 1;
            for (var x = 0; x < side; x++)
            {
                var edge = x == 0 || y == 0 || x == side - 1 || y == side - 1;
                source.AsSpan(((y * side) + x) * 4, 4).Fill(edge ? (byte)0 : (byte)255);
                source[(((y * side) + x) * 4) + 3] = 255;
            }
        }

        var output = new byte[target * target * 4];
        Resampler.Resize(source, side, side, side * 4, output, target, target, target * 4);

        // The picture is the product of a line with itself (black where either coordinate is on the frame), and the
        // filter is separable: the reference is the product of the line filtered alone.
        var filtered = ReferenceMitchell(line, target);
        for (var y = 0; y < target; y++)
        {
            for (var x = 0; x < target; x++)
            {
                var expected = 255 * filtered[x] * filtered[y];
                var red = output[(((y * target) + x) * 4) + 2];
                Assert.IsTrue(Math.Abs(red - expected) <= 12, $"({x}, {y}) is {red}, the full filter gives {expected:F1}");
            }
        }
    }

    [TestMethod]
    [DataRow(10000, 7071)] // a 100 MP frame scaled to 50 MP: the full pass held 1.1 GB of floats
    [DataRow(20000, 10000)]
    [DataRow(6000, 4899)]
    [DataRow(301, 100)]
    [DataRow(100, 1000)] // up
    [DataRow(1, 500)]
    public void Filter_ResizingRows_KeepsAWindowOfAFewFilteredRowsNotTheWholeSource(int sourceHeight, int targetHeight)
    {
        // Each output row needs the source rows under the filter's support (2 on each side, widened by the reduction):
        // about 4 × the reduction factor of them at once, whatever the source's height.
        var window = Resampler.WindowRows(sourceHeight, sourceHeight, targetHeight);
        var reduction = Math.Max(1.0, (double)sourceHeight / targetHeight);
        Assert.IsTrue(window <= (4 * reduction) + 2, $"{window} rows kept for a reduction by {reduction:F2}");
        Assert.IsTrue(window < sourceHeight || sourceHeight <= 5, $"{window} rows kept of {sourceHeight}");
    }

    [TestMethod]
    public void ThumbnailOfAPng_ShrinksWithoutMoire()
    {
        // End to end: a PNG (decoded at full size, then resampled) of one-pixel stripes in a 1/3-size thumbnail box.
        using var image = AnimatedImage.Decode(TestPictures.Stripes(600, 30), new ImageDecodeOptions { ThumbnailPixelSize = new System.Drawing.Size(200, 0) });
        Assert.AreEqual((200, 10), (image.PixelWidth, image.PixelHeight));
        using var frame = image.GetFrame(0);
        for (var x = 2; x < 198; x++)
        {
            var red = TestPictures.Pixel(frame, x, 5).R;
            Assert.IsTrue(Math.Abs(red - 127.5) <= 8, $"x {x}: {red}");
        }
    }

    // The textbook Mitchell–Netravali filter (B = C = 1/3) over every source sample, widened by the reduction, in doubles.
    private static double[] ReferenceMitchell(double[] source, int target)
    {
        var scale = (double)source.Length / target;
        var stretch = Math.Max(scale, 1);
        var result = new double[target];
        for (var i = 0; i < target; i++)
        {
            var centre = (i + 0.5) * scale;
            double sum = 0, total = 0;
            for (var j = 0; j < source.Length; j++)
            {
                var x = Math.Abs((j + 0.5 - centre) / stretch);
                var w = x < 1 ? ((7 * x * x * x) - (12 * x * x) + (16.0 / 3)) / 6
                    : x < 2 ? ((-7.0 / 3 * x * x * x) + (12 * x * x) - (20 * x) + (32.0 / 3)) / 6
                    : 0;
                sum += source[j] * w;
                total += w;
            }

            result[i] = sum / total;
        }

        return result;
    }

    private static byte[] Stripes(int width, int height)
    {
        var pixels = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x += 2)
            {
                pixels.AsSpan(((y * width) + x) * 4, 4).Fill(255);
                pixels[(((y * width) + x + 1) * 4) + 3] = 255;
            }
        }

        return pixels;
    }
}
