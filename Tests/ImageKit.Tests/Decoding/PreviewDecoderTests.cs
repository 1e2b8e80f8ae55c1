using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.Pipeline;
using ImageKit.Tests.TestUtilities;
using SkiaSharp;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Previews of partly downloaded images (<see cref="ImageKit.ImageLoadOptions.Progressive"/>): what has arrived, nothing
/// before the header, scaled and turned upright as the finished image will be, within the limits.
/// </summary>
[TestClass]
public sealed class PreviewDecoderTests
{
    private static readonly byte[] s_jpeg = ImageManagerProgressiveTests.MakeJpeg(480, 360);

    [TestMethod]
    public void PreviewDecoder_HeaderNotYetComplete_HasNothingToShow()
    {
        Assert.IsNull(PreviewDecoder.TryDecode(s_jpeg.AsSpan(0, 20), DecodingLimits.Default));
        Assert.IsNull(PreviewDecoder.TryDecode("<html>not an image</html>"u8, DecodingLimits.Default));
    }

    [TestMethod]
    public void PreviewDecoder_HalfAPng_ShowsTheTopRowsAndLeavesTheRestTransparent()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(200, 200, SKColorType.Bgra8888, SKAlphaType.Premul));
        bitmap.Erase(new SKColor(200, 40, 40));
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var png = encoded.ToArray();

        using var preview = PreviewDecoder.TryDecode(png.AsSpan(0, png.Length / 2), DecodingLimits.Default);

        Assert.IsNotNull(preview);
        Assert.AreEqual((200, 200), (preview.Width, preview.Height));
        Assert.AreNotEqual(0, preview.Pixels[3], "the top-left pixel has arrived");
        Assert.AreEqual(0, preview.Pixels[(int)preview.ByteCount - 1], "the bottom-right pixel has not");
    }

    [TestMethod]
    public void PreviewDecoder_WithAPixelLimit_DecodesAJpegScaledDownAndSkipsAPngItCannotScale()
    {
        using var scaled = PreviewDecoder.TryDecode(s_jpeg.AsSpan(0, s_jpeg.Length / 2), DecodingLimits.Default, maxPixelCount: 240 * 180);
        Assert.IsNotNull(scaled);
        Assert.IsLessThanOrEqualTo(240L * 180, (long)scaled.Width * scaled.Height);
        Assert.AreEqual(480.0 / 360.0, (double)scaled.Width / scaled.Height, 0.05);

        using var bitmap = new SKBitmap(new SKImageInfo(200, 200, SKColorType.Bgra8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Teal);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        Assert.IsNull(PreviewDecoder.TryDecode(png.ToArray(), DecodingLimits.Default, maxPixelCount: 100 * 100));
    }

    [TestMethod]
    [DataRow(120, 120, 120, 90)] // a quarter: an eighth-step libjpeg-turbo has
    [DataRow(100, 100, 60, 45)] // 0.21 is no eighth: the one below it, so the preview stays in the box
    public void PreviewDecoder_WithAThumbnailBox_DecodesAJpegScaledIntoTheBox(int boxWidth, int boxHeight, int expectedWidth, int expectedHeight)
    {
        var options = new ImageDecodeOptions { ThumbnailPixelSize = new System.Drawing.Size(boxWidth, boxHeight) };

        using var scaled = PreviewDecoder.TryDecode(s_jpeg.AsSpan(0, s_jpeg.Length / 2), options);

        Assert.IsNotNull(scaled);
        Assert.AreEqual((expectedWidth, expectedHeight), (scaled.Width, scaled.Height));
    }

    [TestMethod]
    [DataRow(ExifOrientationPolicy.Browser, 0, 0, 640, 480)] // stored 480 x 640, orientation 6
    [DataRow(ExifOrientationPolicy.Ignore, 0, 0, 480, 640)]
    [DataRow(ExifOrientationPolicy.Browser, 160, 160, 160, 120)] // the box fits the upright image, decoded at a quarter
    public void PreviewDecoder_TurnedJpeg_IsUprightLikeTheFinishedImage(ExifOrientationPolicy policy, int boxWidth, int boxHeight, int width, int height)
    {
        var data = Corpus.Read("right-orientation.jpeg");
        var options = new ImageDecodeOptions { Orientation = policy, ThumbnailPixelSize = new System.Drawing.Size(boxWidth, boxHeight) };

        using var preview = PreviewDecoder.TryDecode(data.AsSpan(0, data.Length * 3 / 5), options);
        using var finished = AnimatedImage.Decode(data, options);

        Assert.IsNotNull(preview);
        Assert.AreEqual((width, height), (preview.Width, preview.Height));
        Assert.AreEqual((finished.PixelWidth, finished.PixelHeight), (preview.Width, preview.Height), "the preview has the finished image's size");
        using var frame = finished.GetFrame(0);

        // What has arrived (the stored image's top rows: for orientation 6, the upright image's right-hand columns) is
        // already the finished image's pixels; a preview left lying on its side would share almost none.
        var previewPixels = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(preview.Pixels);
        var finishedPixels = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(frame.Pixels);
        var same = 0;
        for (var i = 0; i < previewPixels.Length; i++)
        {
            same += previewPixels[i] == finishedPixels[i] ? 1 : 0;
        }

        Assert.IsGreaterThan(0.3, (double)same / previewPixels.Length, $"{same} of {previewPixels.Length} pixels as finished");
    }

    [TestMethod]
    [DataRow(2)] // mirrored
    [DataRow(3)] // turned half round
    [DataRow(4)] // flipped upside down
    public void PreviewDecoder_MirroredOrFlippedJpeg_IsUprightLikeTheFinishedImage(int orientation)
    {
        // The corpus photo with its orientation 6 (which swaps the axes) changed to one that keeps them.
        var data = Corpus.Read("right-orientation.jpeg");
        var tag = data.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06]);
        Assert.IsGreaterThan(0, tag, "the big-endian orientation entry");
        data[tag + 9] = (byte)orientation;

        using var preview = PreviewDecoder.TryDecode(data.AsSpan(0, data.Length * 3 / 5), new ImageDecodeOptions());
        using var finished = AnimatedImage.Decode(data);
        using var frame = finished.GetFrame(0);

        Assert.IsNotNull(preview);
        Assert.AreEqual((finished.PixelWidth, finished.PixelHeight), (preview.Width, preview.Height));
        Assert.IsGreaterThan(0.3, SameFraction(preview.Pixels, frame.Pixels), "what has arrived is already where the finished image has it");
        Assert.IsLessThan(0.3, SameFraction(Unturned(data.AsSpan(0, data.Length * 3 / 5)), frame.Pixels), "(the test tells: the preview left as stored would not match)");
    }

    [TestMethod]
    public void PreviewDecoder_FirstFifthOfAProgressiveJpeg_ShowsTheWholeCanvasCoarsely()
    {
        var data = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "progressive", "plasma-480x360-progressive.jpg"));
        using var full = PreviewDecoder.TryDecode(data, DecodingLimits.Default);

        using var preview = PreviewDecoder.TryDecode(data.AsSpan(0, data.Length / 5), DecodingLimits.Default);

        Assert.IsNotNull(full);
        Assert.IsNotNull(preview);
        var lastRow = preview.Pixels[(preview.RowBytes * (preview.Height - 1))..].ToArray();
        Assert.IsTrue(lastRow.Where((_, i) => i % 4 == 3).All(alpha => alpha == 255), "the last row is already there, not transparent");
        Assert.IsFalse(preview.Pixels.SequenceEqual(full.Pixels), "but it is coarser than the complete image");
    }

    [TestMethod]
    public void PreviewDecoder_CanvasBeyondTheLimits_Throws()
    {
        var limits = new DecodingLimits { MaxPixelsPerFrame = 1000 };
        Assert.ThrowsExactly<ImageLimitExceededException>(() => PreviewDecoder.TryDecode(s_jpeg.AsSpan(0, s_jpeg.Length / 2), limits));
    }

    private static double SameFraction(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var x = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(a);
        var y = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(b);
        var same = 0;
        for (var i = 0; i < x.Length; i++)
        {
            same += x[i] == y[i] ? 1 : 0;
        }

        return (double)same / x.Length;
    }

    private static byte[] Unturned(ReadOnlySpan<byte> partial)
    {
        using var preview = PreviewDecoder.TryDecode(partial, new ImageDecodeOptions { Orientation = ExifOrientationPolicy.Ignore });
        Assert.IsNotNull(preview);
        return preview.Pixels.ToArray();
    }
}
