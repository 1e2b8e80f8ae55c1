using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// A first-frame-only decode is held to the limits for the one frame it decodes, not for every frame the animation
/// declares: a thumbnail list of long animations is not refused for frames it never decodes. The canvas limit still
/// applies, and a full decode still counts every frame.
/// </summary>
[TestClass]
public sealed class FirstFrameOnlyLimitsTests
{
    // Real animations, each with more frames than the limits below allow.
    public static IEnumerable<object[]> Animations =>
    [
        ["generated/many-frames-400.gif", 24, 24],
        ["generated/many-frames-400.webp", 24, 24],
        ["corpus/animated-red-blue.apng", 64, 48],
    ];

    [TestMethod]
    [DynamicData(nameof(Animations))]
    public void Decode_FirstFrameOnly_OfMoreFramesThanMaxFrameCount_DecodesTheFirstFrame(string file, int width, int height)
    {
        var data = Read(file);
        var options = new ImageDecodeOptions { FirstFrameOnly = true, Limits = new DecodingLimits { MaxFrameCount = 2 } };

        using var image = AnimatedImage.Decode(data, options);
        using var full = AnimatedImage.Decode(data);

        Assert.AreEqual(1, image.FrameCount);
        Assert.AreEqual((width, height), (image.PixelWidth, image.PixelHeight));
        Assert.IsGreaterThan(2, full.FrameCount, "the fixture has more frames than the limit");
        using var frame = image.GetFrame(0);
        using var expected = full.GetFrame(0);
        CollectionAssert.AreEqual(expected.Pixels.ToArray(), frame.Pixels.ToArray(), "the first frame, as a full decode composites it");
    }

    [TestMethod]
    [DynamicData(nameof(Animations))]
    public void Decode_FirstFrameOnly_MaxTotalDecodedBytesCountsTheOneFrame(string file, int width, int height)
    {
        var data = Read(file);
        var oneFrame = (long)width * height * 4;

        using (var image = AnimatedImage.Decode(data, FirstFrameWithin(new DecodingLimits { MaxTotalDecodedBytes = oneFrame })))
        {
            image.GetFrame(0).Dispose();
        }

        var error = Assert.Throws<ImageLimitExceededException>(
            () => AnimatedImage.Decode(data, FirstFrameWithin(new DecodingLimits { MaxTotalDecodedBytes = oneFrame - 1 })));
        StringAssert.Contains(error.Message, "MaxTotalDecodedBytes");
    }

    [TestMethod]
    [DynamicData(nameof(Animations))]
    public void Decode_FirstFrameOnly_StillChecksMaxPixelsPerFrame(string file, int width, int height)
    {
        var error = Assert.Throws<ImageLimitExceededException>(
            () => AnimatedImage.Decode(Read(file), FirstFrameWithin(new DecodingLimits { MaxPixelsPerFrame = ((long)width * height) - 1 })));
        StringAssert.Contains(error.Message, "MaxPixelsPerFrame");
    }

    [TestMethod]
    [DynamicData(nameof(Animations))]
    public void Decode_AllFrames_OfMoreFramesThanMaxFrameCount_IsStillRefused(string file, int width, int height)
    {
        _ = (width, height);
        var error = Assert.Throws<ImageLimitExceededException>(
            () => AnimatedImage.Decode(Read(file), new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = 2 } }));
        StringAssert.Contains(error.Message, "MaxFrameCount");
    }

    // A first-frame-only GIF or WebP keeps frame 0's entry alone and closes its codec between decodes, as a still does: its
    // cost is its encoded bytes and its one frame (an animation's open codec and frame tables are ~72 KB and ~160 B a frame).
    [TestMethod]
    [DataRow("generated/many-frames-400.gif")]
    [DataRow("generated/many-frames-400.webp")]
    public void Decode_FirstFrameOnly_CostsItsEncodedBytesAndOneFrame(string file)
    {
        using var image = AnimatedImage.Decode(Read(file), new ImageDecodeOptions { FirstFrameOnly = true });
        image.GetFrame(0).Dispose();
        Assert.AreEqual(image.EncodedData.Length + image.FrameByteCount, image.MemoryCost);
    }

    [TestMethod]
    public void Constructor_FirstFrameOnly_OfACustomSourceWithMoreFramesThanMaxFrameCount_KeepsTheFirstFrame()
    {
        var source = new CountingSource(frameCount: 5);
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty, FirstFrameWithin(new DecodingLimits { MaxFrameCount = 1 }));
        Assert.AreEqual(1, image.FrameCount);
    }

    [TestMethod]
    public void Constructor_FirstFrameOnly_MaxTotalDecodedBytesCountsTheOneFrame()
    {
        var source = new CountingSource(frameCount: 5, width: 8, height: 8);
        using var image = new AnimatedImage(source, ReadOnlyMemory<byte>.Empty, FirstFrameWithin(new DecodingLimits { MaxTotalDecodedBytes = 8 * 8 * 4 }));
        Assert.AreEqual(1, image.FrameCount);
    }

    private static ImageDecodeOptions FirstFrameWithin(DecodingLimits limits) => new() { FirstFrameOnly = true, Limits = limits };

    private static byte[] Read(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", file));
}
