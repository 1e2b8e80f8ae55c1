using System.Buffers.Binary;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// <see cref="DecodingLimits.MaxFrameCount"/> is checked from the container's block and chunk headers before any Skia codec
/// opens: Skia's GIF codec parses the whole file and keeps a record per frame to answer its frame count, and WebP's demuxer
/// indexes every frame on opening (then Skia looks each one up from the start of that index), so a small file of a million
/// tiny frames cost seconds to minutes and up to hundreds of megabytes of native memory before it was refused. Whether a codec opened is read from
/// <see cref="NativeResourceCounters.CodecsOpenedOnThisThread"/>: decoding runs on the test's thread.
/// </summary>
[TestClass]
public sealed class FrameCountBeforeCodecTests
{
    private static readonly int s_defaultLimit = DecodingLimits.Default.MaxFrameCount;

    [TestMethod]
    public void Decode_GifOfOneFrameMoreThanTheDefaultLimit_IsRefusedWithoutOpeningACodec()
    {
        var data = DecodingLimitsTests.Gif(1, 1, frames: s_defaultLimit + 1);

        var (error, codecsOpened) = RefusalOf(data, new ImageDecodeOptions());

        Assert.AreEqual(0, codecsOpened, "refused from the GIF's blocks, before Skia parsed the file");
        Assert.AreEqual("the image declares at least 10,001 frames, more than the limit of 10,000 (DecodingLimits.MaxFrameCount)", error.Message);
    }

    [TestMethod]
    public void Decode_WebPOfOneFrameMoreThanTheDefaultLimit_IsRefusedWithoutOpeningACodec()
    {
        var data = AnimatedWebP(s_defaultLimit + 1);

        var (error, codecsOpened) = RefusalOf(data, new ImageDecodeOptions());

        Assert.AreEqual(0, codecsOpened, "refused from the WebP's chunks, before Skia's demuxer indexed them");
        Assert.AreEqual("the image declares at least 10,001 frames, more than the limit of 10,000 (DecodingLimits.MaxFrameCount)", error.Message);
    }

    [TestMethod]
    [DataRow("generated/many-frames-400.gif")]
    [DataRow("generated/many-frames-400.webp")]
    public void Decode_RealAnimationOverALowerLimit_IsRefusedWithoutOpeningACodec(string file)
    {
        var options = new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = 399 } };

        var (error, codecsOpened) = RefusalOf(Read(file), options);

        Assert.AreEqual(0, codecsOpened);
        StringAssert.Contains(error.Message, "at least 400 frames");
    }

    [TestMethod]
    public void Decode_GifOfExactlyTheDefaultLimit_DecodesEveryFrame()
    {
        using var image = AnimatedImage.Decode(DecodingLimitsTests.Gif(1, 1, frames: s_defaultLimit));

        Assert.AreEqual(s_defaultLimit, image.FrameCount);
        image.GetFrame(s_defaultLimit - 1).Dispose();
    }

    [TestMethod]
    public void Decode_WebPOfExactlyTheDefaultLimit_DecodesEveryFrame()
    {
        using var image = AnimatedImage.Decode(AnimatedWebP(s_defaultLimit));

        Assert.AreEqual(s_defaultLimit, image.FrameCount);
        using var last = image.GetFrame(s_defaultLimit - 1);
        Assert.AreEqual(0xFF, last.Pixels[3], "the 1x1 frame is opaque red, BGRA");
    }

    [TestMethod]
    [DataRow("generated/many-frames-400.gif")]
    [DataRow("generated/many-frames-400.webp")]
    public void Decode_RealAnimationAtALowerLimit_DecodesEveryFrame(string file)
    {
        using var image = AnimatedImage.Decode(Read(file), new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = 400 } });

        Assert.AreEqual(400, image.FrameCount);
    }

    [TestMethod]
    public void Decode_FirstFrameOnly_OfMoreFramesThanTheLimit_StillDecodesTheFirstFrame()
    {
        var options = new ImageDecodeOptions { FirstFrameOnly = true };

        using var gif = AnimatedImage.Decode(DecodingLimitsTests.Gif(1, 1, frames: s_defaultLimit + 1), options);
        using var webP = AnimatedImage.Decode(AnimatedWebP(s_defaultLimit + 1), options);

        Assert.AreEqual((1, 1), (gif.FrameCount, webP.FrameCount));
    }

    // A frame whose header is cut off is not counted, as Skia does not count it: a file at the limit plus a cut-off frame
    // decodes as before.
    [TestMethod]
    public void Decode_GifCutInsideTheImageDescriptorAfterTheLimit_DecodesTheWholeFrames()
    {
        var whole = DecodingLimitsTests.Gif(1, 1, frames: 4);
        var lastFrame = whole.Length - 1 - GifFrameBytes;
        var cut = whole[..(lastFrame + 8 + 5)]; // the last frame's graphic control extension, then 5 of its descriptor's 10 bytes

        using var image = AnimatedImage.Decode(cut, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = 3 } });

        Assert.AreEqual(3, image.FrameCount);
    }

    [TestMethod]
    public void Decode_WebPCutInsideAnAnmfChunkAfterTheLimit_DecodesTheWholeFrames()
    {
        var data = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", "truncated-animation.webp"));

        using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = 3 } });

        Assert.AreEqual(3, image.FrameCount);
    }

    // Cut in the middle of a block, under the limit: the walk stops counting there and the decoder reports the damage in
    // the same words as before the walk existed.
    [TestMethod]
    public void Decode_GifCutInsideTheFirstFramesData_FailsAsBefore()
    {
        var whole = DecodingLimitsTests.Gif(1, 1, frames: 3);
        var firstFrame = 13 + 6;
        var cut = whole[..(firstFrame + 8 + 10 + 1 + 2)]; // GCE, descriptor, LZW code size, then 2 of the sub-block's 3 bytes

        using var image = AnimatedImage.Decode(cut);
        var error = Assert.Throws<ImageDecodingException>(() => image.GetFrame(0));

        Assert.AreEqual(DamagedGifFrameMessage, error.Message);
    }

    [TestMethod]
    public void Decode_GifCutInsideItsGlobalColourTable_FailsAsBefore()
    {
        var cut = DecodingLimitsTests.Gif(1, 1, frames: 3)[..16];

        var error = Assert.Throws<ImageDecodingException>(() => AnimatedImage.Decode(cut));

        Assert.AreEqual(DamagedGifHeaderMessage, error.Message);
    }

    [TestMethod]
    public void Decode_WebPCutInsideTheFirstAnmfChunk_FailsAsBefore()
    {
        var whole = AnimatedWebP(3);
        var cut = whole[..(12 + 18 + 14 + 8 + 20)]; // VP8X, ANIM, then 20 bytes of the first ANMF chunk

        var error = Assert.Throws<ImageDecodingException>(() => AnimatedImage.Decode(cut));

        Assert.AreEqual(DamagedWebPMessage, error.Message);
    }

    // A graphic control extension whose first sub-block says fewer than 4 bytes: Skia's GIF decoder (Wuffs) stops there
    // with an error, so the "images" a walk by the declared lengths finds behind it are never the codec's. The count must
    // be the codec's: a file it shows as a still is not refused as an animation over the limit.
    [TestMethod]
    public void Decode_GifWhoseGraphicControlDeclaresFewerThan4Bytes_CountsFramesAsTheCodecDoes()
    {
        var data = GifWithShortGraphicControl(hiddenImages: 3);
        using (var unlimited = AnimatedImage.Decode(data, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = int.MaxValue } }))
        {
            Assert.AreEqual(1, unlimited.FrameCount, "Skia sees one frame, then the trailer");
        }

        using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = 2 } });

        Assert.AreEqual(1, image.FrameCount);
        image.GetFrame(0).Dispose();
    }

    // A 1x1 GIF of one frame, then a graphic control extension declaring 0 bytes, then `hiddenImages` blocks that read as
    // 59 x 1 image descriptors by the declared lengths (the older Skia GIF reader read the extension's 4 bytes all the
    // same and then took the width's low byte, 0x3B, for the trailer; Wuffs refuses the extension: one frame either way).
    internal static byte[] GifWithShortGraphicControl(int hiddenImages)
    {
        List<byte> gif = [.. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 0xFF, 0, 0, 0, 0, 0xFF];
        gif.AddRange([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0]);
        gif.AddRange([0x21, 0xF9, 0]);
        for (var i = 0; i < hiddenImages; i++)
        {
            gif.AddRange([0x2C, 0, 0, 0, 0, 0x3B, 0, 1, 0, 0, 2, 0]);
        }

        gif.Add(0x3B);
        return [.. gif];
    }

    // Skia's GIF decoder (Wuffs) takes a graphic control extension only as one 4-byte sub-block and its terminator, and
    // an LZW literal width of at most 8: at any other, its frame count ends there (the frame whose descriptor it read
    // counts), and the frames after it are never shown. A walk that goes on past them refused a file the codec shows with
    // fewer frames than the limit.
    [TestMethod]
    [DataRow(new byte[] { 0x21, 0xF9, 6, 1, 7, 0, 1, 0, 0, 0 }, 1, DisplayName = "graphic control of 6 bytes")]
    [DataRow(new byte[] { 0x21, 0xF9, 5, 1, 7, 0, 1, 0, 0 }, 1, DisplayName = "graphic control of 5 bytes")]
    [DataRow(new byte[] { 0x21, 0xF9, 3, 1, 7, 0, 1, 0 }, 1, DisplayName = "graphic control of 3 bytes")]
    [DataRow(new byte[] { 0x21, 0xF9, 4, 1, 7, 0, 1, 1, 9, 0 }, 1, DisplayName = "graphic control of two sub-blocks")]
    [DataRow(new byte[] { 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 12, 2, 0x4C, 0x01, 0 }, 2, DisplayName = "image of LZW literal width 12")]
    public void Decode_GifWithABlockTheCodecStopsAtAfterTheFirstFrame_CountsFramesAsTheCodecDoes(byte[] block, int codecFrames)
    {
        var plain = TinyFrameAnimations.Gif(4);
        var firstFrameEnd = 19 + GifFrameBytes;
        byte[] data = [.. plain[..firstFrameEnd], .. block, .. plain[firstFrameEnd..]];
        using (var unlimited = AnimatedImage.Decode(data, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = int.MaxValue } }))
        {
            Assert.AreEqual(codecFrames, unlimited.FrameCount, "the frames Skia sees");
        }

        using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = codecFrames } });

        Assert.AreEqual(codecFrames, image.FrameCount);
    }

    // libwebp's demuxer drops an ANMF chunk that holds no image (no VP8 or VP8L chunk after its frame header) and does not
    // count it; only the frames it keeps are the animation's.
    [TestMethod]
    public void Decode_WebPWithAnmfChunksHoldingNoImage_CountsFramesAsTheCodecDoes()
    {
        var data = WebPWithEmptyFrames(emptyFrames: 3, realFrames: 2);
        using (var unlimited = AnimatedImage.Decode(data, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = int.MaxValue } }))
        {
            Assert.AreEqual(2, unlimited.FrameCount, "libwebp keeps the two frames with an image");
        }

        using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = 2 } });

        Assert.AreEqual(2, image.FrameCount);
        image.GetFrame(1).Dispose();
        using var first = AnimatedImage.Decode(data, new ImageDecodeOptions { FirstFrameOnly = true });
        using var frame = first.GetFrame(0);
        Assert.AreEqual(0xFF, frame.Pixels[3], "the first frame with an image: opaque red");
    }

    // TinyFrameAnimations.WebP's animation with `emptyFrames` ANMF chunks of a frame header alone in front of its frames.
    internal static byte[] WebPWithEmptyFrames(int emptyFrames, int realFrames)
    {
        var real = AnimatedWebP(realFrames);
        var firstFrame = 12 + 18 + 14; // RIFF header, VP8X, ANIM
        byte[] empty = [.. "ANMF"u8, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0];
        var data = new byte[real.Length + (emptyFrames * empty.Length)];
        real.AsSpan(0, firstFrame).CopyTo(data);
        for (var i = 0; i < emptyFrames; i++)
        {
            empty.CopyTo(data, firstFrame + (i * empty.Length));
        }

        real.AsSpan(firstFrame).CopyTo(data.AsSpan(firstFrame + (emptyFrames * empty.Length)));
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), (uint)(data.Length - 8));
        return data;
    }

    private const int GifFrameBytes = 8 + 10 + 5; // DecodingLimitsTests.Gif: GCE, image descriptor, LZW data

    // What these cut files failed with before frames were counted from the headers.
    private const string DamagedGifFrameMessage = "frame 0: the data ends before the frame is complete (truncated file)";
    private const string DamagedGifHeaderMessage = "the Gif data ends inside its header (truncated file)";
    private const string DamagedWebPMessage = "the WebP data ends inside its header (truncated file)";

    private static (ImageLimitExceededException Error, long CodecsOpened) RefusalOf(byte[] data, ImageDecodeOptions options)
    {
        var before = NativeResourceCounters.CodecsOpenedOnThisThread;
        var error = Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Decode(data, options));
        return (error, NativeResourceCounters.CodecsOpenedOnThisThread - before);
    }

    private static byte[] Read(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", file));

    // An animated WebP of `frames` 1x1 frames, each the same opaque red lossless (VP8L) image encoded by Skia, 10 ms each.
    internal static byte[] AnimatedWebP(int frames) => TinyFrameAnimations.WebP(frames);
}
