using System.Buffers.Binary;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// A first-frame-only decode of a GIF or animated WebP reads only frame 0, so an animation whose later frame is broken
/// still gives its first frame, as an APNG's does (<see cref="ApngFirstFrameOnlyTests"/>); a full decode still fails:
/// a WebP's when it is opened, a GIF's at the broken frame. The README says so under <c>ImageDecodeOptions.FirstFrameOnly</c>.
/// </summary>
[TestClass]
public sealed class FirstFrameOnlyBrokenLaterFrameTests
{
    private static readonly ImageDecodeOptions s_firstFrameOnly = new() { FirstFrameOnly = true };

    [TestMethod]
    [DataRow("anim.webp")]
    [DataRow("TestImageAnimated.webp")]
    public void WebP_SecondFramesBitstreamBroken_FirstFrameOnlyGivesFrame0_AFullDecodeFails(string file)
    {
        var original = Corpus.Read(file);
        // libwebp's demuxer checks every frame's bitstream header when it opens the file, so a full decode fails there,
        // before any frame is decoded (no frame index).
        AssertFirstFrameSurvives(original, BreakSecondWebPFrame(original), ImageFormat.WebP, failingFrame: null);
    }

    [TestMethod]
    [DataRow("animated-red-blue.gif")]
    [DataRow("TestImage.gif")]
    public void Gif_SecondFramesLzwWidthInvalid_FirstFrameOnlyGivesFrame0_AFullDecodeReportsFrame1(string file)
    {
        var original = Corpus.Read(file);
        AssertFirstFrameSurvives(original, BreakSecondGifFrame(original), ImageFormat.Gif, failingFrame: 1);
    }

    private static void AssertFirstFrameSurvives(byte[] original, byte[] broken, ImageFormat format, int? failingFrame)
    {
        using var intact = AnimatedImage.Decode(original);
        Assert.IsTrue(intact.FrameCount > 1, "the fixture is an animation");

        using (var image = AnimatedImage.Decode(broken, s_firstFrameOnly))
        {
            Assert.AreEqual(format, image.Format);
            Assert.AreEqual(1, image.FrameCount);
            using var frame = image.GetFrame(0);
            using var expected = intact.GetFrame(0);
            CollectionAssert.AreEqual(expected.Pixels.ToArray(), frame.Pixels.ToArray(), "frame 0 as the intact file has it");
        }

        var error = Assert.Throws<ImageDecodingException>(() =>
        {
            using var full = AnimatedImage.Decode(broken);
            for (var i = 0; i < full.FrameCount; i++)
            {
                full.GetFrame(i).Dispose();
            }
        });
        Assert.AreEqual(failingFrame, error.FrameIndex, error.Message);
    }

    // The second ANMF chunk's image: a VP8 key frame's start code (9D 01 2A) or a VP8L signature byte (0x2F) spoiled.
    private static byte[] BreakSecondWebPFrame(byte[] original)
    {
        var data = (byte[])original.Clone();
        var anmfSeen = 0;
        for (var at = 12; at + 8 <= data.Length; at += 8 + PaddedSize(data, at))
        {
            if (FourCc(data, at) != "ANMF" || ++anmfSeen < 2)
            {
                continue;
            }

            for (var sub = at + 8 + 16; sub + 8 <= at + 8 + PaddedSize(data, at); sub += 8 + PaddedSize(data, sub))
            {
                switch (FourCc(data, sub))
                {
                    case "VP8 ":
                        data[sub + 8 + 3] = 0;
                        return data;
                    case "VP8L":
                        data[sub + 8] = 0;
                        return data;
                }
            }
        }

        throw new InvalidOperationException("no second ANMF frame with an image");
    }

    // The second image descriptor's LZW minimum code size set to 12, which no GIF decoder accepts (at most 8).
    private static byte[] BreakSecondGifFrame(byte[] original)
    {
        var data = (byte[])original.Clone();
        var at = 13 + ColourTableSize(data[10]);
        var images = 0;
        while (at < data.Length && data[at] != 0x3B)
        {
            if (data[at] == 0x21)
            {
                at = SkipSubBlocks(data, at + 2);
                continue;
            }

            Assert.AreEqual(0x2C, data[at], "a GIF block the walk does not know");
            var lzwWidthAt = at + 10 + ColourTableSize(data[at + 9]);
            if (++images == 2)
            {
                data[lzwWidthAt] = 12;
                return data;
            }

            at = SkipSubBlocks(data, lzwWidthAt + 1);
        }

        throw new InvalidOperationException("no second GIF image");
    }

    private static int ColourTableSize(byte packed) => (packed & 0x80) == 0 ? 0 : 3 << ((packed & 0x07) + 1);

    private static int SkipSubBlocks(byte[] data, int at)
    {
        while (data[at] != 0)
        {
            at += data[at] + 1;
        }

        return at + 1;
    }

    private static string FourCc(byte[] data, int at) => System.Text.Encoding.ASCII.GetString(data, at, 4);

    private static int PaddedSize(byte[] data, int at)
    {
        var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 4));
        return size + (size & 1);
    }
}
