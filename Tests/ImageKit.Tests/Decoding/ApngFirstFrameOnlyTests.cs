using System.Buffers.Binary;
using System.IO.Hashing;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// A first-frame-only APNG decode reads the file up to the end of frame 0's data (the next frame's fcTL): what comes after
/// cannot change frame 0, so it is neither read nor checked, and a file whose later frames are broken still gives its
/// first frame (a full decode of it still fails). Frame 0 itself, and everything before it, is checked as before.
/// </summary>
[TestClass]
public sealed class ApngFirstFrameOnlyTests
{
    private static readonly ImageDecodeOptions s_firstFrameOnly = new() { FirstFrameOnly = true };

    // animated-red-blue.apng: the IDAT image is frame 0 (fcTL 0 before it). apng-skip-idat.png: the IDAT image is not
    // shown, frame 0 is the first fcTL's fdAT data. Each with each way of breaking an fcTL.
    public static IEnumerable<object[]> FctlCorruptions =>
        from file in new[] { "animated-red-blue.apng", "apng-skip-idat.png" }
        from corruption in new[] { Corruption.Crc, Corruption.Sequence, Corruption.OutsideTheCanvas }
        select new object[] { file, corruption };

    [TestMethod]
    [DynamicData(nameof(FctlCorruptions))]
    public void Decode_FirstFrameOnly_SecondFramesFctlCorrupt_DecodesTheFirstFrame(string file, Corruption corruption)
    {
        var original = Read(file);
        var data = Corrupt(original, FctlOffsets(original)[1], corruption);

        Assert.Throws<ImageDecodingException>(() => AnimatedImage.Decode(data), "a full decode still refuses the broken animation");
        using var image = AnimatedImage.Decode(data, s_firstFrameOnly);
        using var intact = AnimatedImage.Decode(original);

        Assert.AreEqual(ImageFormat.Apng, image.Format);
        Assert.AreEqual(1, image.FrameCount);
        Assert.AreEqual(intact.FrameDurations[0], image.FrameDurations[0]);
        using var frame = image.GetFrame(0);
        using var expected = intact.GetFrame(0);
        CollectionAssert.AreEqual(expected.Pixels.ToArray(), frame.Pixels.ToArray(), "frame 0, as a full decode of the intact file composites it");
    }

    [TestMethod]
    [DynamicData(nameof(FctlCorruptions))]
    public void Decode_FirstFrameOnly_FirstFramesFctlCorrupt_StillThrows(string file, Corruption corruption)
    {
        var original = Read(file);
        var data = Corrupt(original, FctlOffsets(original)[0], corruption);

        Assert.Throws<ImageDecodingException>(() => AnimatedImage.Decode(data, s_firstFrameOnly));
    }

    // The acTL declares more frames than the file holds: a full decode refuses it, one of frame 0 needs none of the others.
    [TestMethod]
    public void Decode_FirstFrameOnly_FewerFramesThanDeclared_DecodesTheFirstFrame()
    {
        var data = Read("apng-skip-idat.png");
        const int Actl = 33;
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(Actl + 8), 9);
        FixCrc(data, Actl);

        var error = Assert.Throws<ImageDecodingException>(() => AnimatedImage.Decode(data));
        StringAssert.Contains(error.Reason, "declares");
        using var image = AnimatedImage.Decode(data, s_firstFrameOnly);
        Assert.AreEqual(1, image.FrameCount);
        image.GetFrame(0).Dispose();
    }

    [TestMethod]
    public void Decode_FirstFrameOnly_MoreFramesThanTheAcTLDeclares_ReportsTheFramesLeftOut()
    {
        // num_frames says 1, but a second frame follows: a full decode plays both, so the first-frame-only image is a
        // variant of the animation, to be kept by caches as its pixels alone.
        var data = new ApngBuilder(4, 4) { DeclaredFrames = 1 }
            .Add(new ApngBuilder.Frame(0, 0, 4, 4), 0xFF0000FF)
            .Add(new ApngBuilder.Frame(0, 0, 4, 4), 0x00FF00FF)
            .Build();
        using (var full = AnimatedImage.Decode(data))
        {
            Assert.AreEqual(2, full.FrameCount, "a full decode plays every frame");
        }

        using var image = AnimatedImage.Decode(data, s_firstFrameOnly);

        Assert.AreEqual(1, image.FrameCount);
        Assert.IsTrue(image.Source.LeftOutFrames, "frame 1 was left out");
        Assert.IsTrue(StillVariant.Applies(image), "the first frame is a still variant of the animation");
    }

    public enum Corruption
    {
        Crc,
        Sequence,
        OutsideTheCanvas,
    }

    private static byte[] Corrupt(byte[] original, int fctl, Corruption corruption)
    {
        var data = (byte[])original.Clone();
        var payload = data.AsSpan(fctl + 8, 26);
        switch (corruption)
        {
            case Corruption.Crc:
                payload[10] ^= 0xFF; // the CRC is left as it was
                return data;
            case Corruption.Sequence:
                BinaryPrimitives.WriteUInt32BigEndian(payload, 99);
                break;
            case Corruption.OutsideTheCanvas:
                BinaryPrimitives.WriteUInt32BigEndian(payload[12..], 10_000); // x_offset
                break;
        }

        FixCrc(data, fctl);
        return data;
    }

    private static List<int> FctlOffsets(byte[] data)
    {
        var offsets = new List<int>();
        for (var offset = 8; offset + 12 <= data.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset));
            if (data.AsSpan(offset + 4, 4).SequenceEqual("fcTL"u8))
            {
                offsets.Add(offset);
            }

            offset += 12 + length;
        }

        Assert.IsGreaterThanOrEqualTo(2, offsets.Count, "the fixture has at least two frames");
        return offsets;
    }

    private static void FixCrc(byte[] data, int chunk)
    {
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(chunk));
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(chunk + 8 + length), Crc32.HashToUInt32(data.AsSpan(chunk + 4, 4 + length)));
    }

    private static byte[] Read(string file) => File.ReadAllBytes(Path.Combine(Corpus.Directory, file));
}
