using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Previews of a partly downloaded APNG show what the finished image will show: an APNG whose default image (its IDAT)
/// is not part of the animation never shows that image, so neither may a preview.
/// </summary>
[TestClass]
public sealed class ApngPreviewTests
{
    private const uint Magenta = 0xFF00FFFF;
    private const uint Green = 0x00FF00FF;

    [TestMethod]
    public void PreviewDecoder_ApngWithHiddenDefaultImage_NeverShowsTheDefaultImage()
    {
        var data = new ApngBuilder(16, 12) { DefaultImageIsFirstFrame = false, DefaultImage = ApngBuilder.Solid(16, 12, Magenta) }
            .Add(new ApngBuilder.Frame(0, 0, 16, 12), Green)
            .Add(new ApngBuilder.Frame(0, 0, 16, 12), Green)
            .Build();
        using (var image = AnimatedImage.Decode(data))
        using (var first = image.GetFrame(0))
        {
            Assert.IsFalse(ContainsColour(first, Magenta), "the finished image shows no magenta: the test's premise");
        }

        for (var length = 1; length <= data.Length; length++)
        {
            using var preview = PreviewDecoder.TryDecode(data.AsSpan(0, length), DecodingLimits.Default);
            Assert.IsFalse(preview is not null && ContainsColour(preview, Magenta), $"the preview of the first {length} of {data.Length} bytes shows the hidden default image");
        }
    }

    [TestMethod]
    public void PreviewDecoder_ApngWhoseDefaultImageIsTheFirstFrame_ShowsIt()
    {
        var data = new ApngBuilder(16, 12)
            .Add(new ApngBuilder.Frame(0, 0, 16, 12), Green)
            .Add(new ApngBuilder.Frame(0, 0, 16, 12), Magenta)
            .Build();

        using var preview = PreviewDecoder.TryDecode(data, DecodingLimits.Default);

        Assert.IsNotNull(preview);
        Assert.IsTrue(ContainsColour(preview, Green));
    }

    [TestMethod]
    [DataRow("actl_zero_frames.png")]
    [DataRow("chunk_multi_actl.png")]
    public void PreviewDecoder_ApngShownAsItsDefaultImage_ShowsIt(string file)
    {
        // An unusable animation control: the file is shown as the plain PNG it also is, so its preview is that PNG.
        var data = Corpus.Read(file);
        using var image = AnimatedImage.Decode(data);
        using var expected = image.GetFrame(0);

        using var preview = PreviewDecoder.TryDecode(data, DecodingLimits.Default);

        Assert.IsNotNull(preview);
        CollectionAssert.AreEqual(expected.Pixels.ToArray(), preview.Pixels.ToArray());
    }

    // Whether any pixel is that opaque colour (0xRRGGBBAA; the frame is BGRA).
    private static bool ContainsColour(ImageFrame frame, uint rgba)
    {
        var pixels = frame.Pixels;
        for (var i = 0; i < pixels.Length; i += 4)
        {
            if (pixels[i + 2] == (byte)(rgba >> 24) && pixels[i + 1] == (byte)(rgba >> 16) && pixels[i] == (byte)(rgba >> 8) && pixels[i + 3] == 255)
            {
                return true;
            }
        }

        return false;
    }
}
