using System.Buffers.Binary;
using ImageKit.Decoding;
using ImageKit.Decoding.Skia;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// libwebp's demuxer drops an ANMF chunk that holds no image (no VP8 or VP8L bitstream) without counting it, and so does
/// <c>EncodedFrameCounter</c>: the animation's first frame is the first ANMF that holds one. A first-frame-only decode's
/// excerpt must end with that frame, not with the imageless chunk before it, or Skia cannot open the excerpt and reads
/// the whole file instead (and parses every frame of it).
/// </summary>
[TestClass]
public sealed class FirstFrameExcerptImagelessFrameTests
{
    private const int HeadBytes = 12 + 32; // RIFF header, VP8X, ANIM

    [TestMethod]
    public void FirstFrameOnly_WebPWhoseFirstAnmfHoldsNoImage_SkiaReadsOnlyUpToTheFirstFrameWithAnImage()
    {
        const int frames = 1_000;
        var plain = TinyFrameAnimations.WebP(frames);
        var frameBytes = (plain.Length - HeadBytes) / frames;
        var data = WithImagelessFrameFirst(plain);

        using var full = AnimatedImage.Decode(data);
        using var source = SkiaCodecSource.Create(data, ImageFormat.WebP, new ImageDecodeOptions { FirstFrameOnly = true });

        Assert.AreEqual(frames, full.FrameCount, "the imageless ANMF is not a frame");
        Assert.AreEqual(1, source.FrameCount);
        Assert.AreEqual(HeadBytes + ImagelessAnmf.Length + frameBytes, source.CodecDataBytes, $"of {data.Length} bytes");
        using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { FirstFrameOnly = true });
        using var first = image.GetFrame(0);
        using var fullFirst = full.GetFrame(0);
        CollectionAssert.AreEqual(fullFirst.Pixels.ToArray(), first.Pixels.ToArray());
    }

    // An ANMF of a 1x1 frame whose only chunk is an unknown one.
    private static byte[] ImagelessAnmf =>
    [
        .. "ANMF"u8, 26, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0,
        .. "XYZW"u8, 2, 0, 0, 0, 1, 2,
    ];

    private static byte[] WithImagelessFrameFirst(byte[] webP)
    {
        byte[] data = [.. webP.AsSpan(0, HeadBytes), .. ImagelessAnmf, .. webP.AsSpan(HeadBytes)];
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), (uint)(data.Length - 8));
        return data;
    }
}
