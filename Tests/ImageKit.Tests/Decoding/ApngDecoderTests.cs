using System.Buffers.Binary;
using System.IO.Hashing;
using ImageKit.Decoding;
using ImageKit.Decoding.Apng;
using ImageKit.Decoding.Skia;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

[TestClass]
public sealed class ApngDecoderTests
{
    private static readonly string s_corpus = Corpus.Directory;

    [TestMethod]
    [DataRow("chunk_multi_actl.png")]
    [DataRow("actl_zero_frames.png")]
    [DataRow("actl_wronglen.png")]
    [DataRow("syntax_num_frames_invalid.png")]
    [DataRow("syntax_num_frames_zero_default.png")]
    public void Decode_UnusableAnimationControl_ShowsDefaultImageAsPng(string file)
    {
        using var image = AnimatedImage.Load(Path.Combine(s_corpus, file));

        Assert.AreEqual(ImageFormat.Png, image.Format);
        Assert.AreEqual(1, image.FrameCount);
        Assert.AreEqual(1, image.LoopCount);
        DecodeEveryFrame(image);
    }

    // Expected pixels (straight RGBA) are the ones Pillow's test_file_apng.py asserts, recorded in the manifest's
    // asserted_by, except where a half-transparent frame is blended OVER an opaque one: Pillow pastes with the frame's
    // alpha as a mask, which also blends the alpha channel linearly (mode_16bit: alpha 191, near_transparent: 97), and
    // its palette path does not blend at all (mode_palette_1bit_alpha). The APNG spec's OVER keeps an opaque canvas
    // opaque; those rows expect that, as the raw frame data gives it (frame 0 opaque black, frame 1 half-transparent).
    [TestMethod]
    [DataRow("blend_op_over.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("blend_op_over_near_transparent.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("blend_op_over_near_transparent.png", 64, 32, 0, 255, 0, 255, 0)]
    [DataRow("blend_op_source_near_transparent.png", 0, 0, 0, 255, 0, 2, 0)]
    [DataRow("blend_op_source_solid.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("blend_op_source_transparent.png", 0, 0, 0, 0, 0, 0, 0)]
    [DataRow("dispose_op_background.png", 0, 0, 0, 0, 0, 0, 0)]
    [DataRow("dispose_op_background_before_region.png", 0, 0, 0, 0, 0, 0, 0)]
    [DataRow("dispose_op_background_final.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("dispose_op_background_region.png", 0, 0, 0, 0, 255, 255, 0)]
    [DataRow("dispose_op_background_region.png", 64, 32, 0, 0, 0, 0, 0)]
    [DataRow("dispose_op_none.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("dispose_op_none_region.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("dispose_op_previous.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("dispose_op_previous_final.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("dispose_op_previous_first.png", 0, 0, 0, 0, 0, 0, 0)]
    [DataRow("dispose_op_previous_frame.png", 0, 0, 255, 0, 0, 255, 0)]
    [DataRow("dispose_op_previous_region.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("mode_16bit.png", 0, 0, 0, 0, 128, 255, 1)]
    [DataRow("mode_grayscale.png", 0, 0, 128, 128, 128, 255, 0)]
    [DataRow("mode_grayscale.png", 64, 32, 255, 255, 255, 255, 0)]
    [DataRow("mode_grayscale_alpha.png", 0, 0, 128, 128, 128, 255, 1)]
    [DataRow("mode_palette.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("mode_palette_1bit_alpha.png", 0, 0, 0, 0, 128, 255, 1)]
    [DataRow("mode_palette_alpha.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("single_frame.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("single_frame_default.png", 0, 0, 0, 255, 0, 255, 0)]
    [DataRow("blend_transparency.png", 0, 0, 255, 0, 0, 255, 0)]
    public void GetFrame_LastFrameOfConformanceFile_HasExpectedPixel(
        string file, int x, int y, int r, int g, int b, int a, int tolerance)
    {
        using var image = AnimatedImage.Load(Path.Combine(s_corpus, file));
        using var frame = image.GetFrame(image.FrameCount - 1);
        var rgba = frame.ToRgba();
        var offset = ((y * frame.Width) + x) * 4;
        int[] actual = [rgba[offset], rgba[offset + 1], rgba[offset + 2], rgba[offset + 3]];
        int[] expected = [r, g, b, a];
        for (var channel = 0; channel < 4; channel++)
        {
            // Colour is meaningless where a pixel is fully transparent.
            if (a == 0 && channel < 3)
            {
                continue;
            }

            Assert.IsLessThanOrEqualTo(
                tolerance,
                Math.Abs(expected[channel] - actual[channel]),
                $"{file} ({x}, {y}): expected RGBA ({string.Join(", ", expected)}), got ({string.Join(", ", actual)})");
        }
    }

    [TestMethod]
    [DataRow("dispose_op_none.png")]
    [DataRow("dispose_op_previous.png")]
    [DataRow("dispose_op_background_final.png")]
    [DataRow("blend_op_over.png")]
    [DataRow("blend_op_source_solid.png")]
    public void GetFrame_GreenConformanceFile_HasNoRedPixel(string file)
    {
        // Philip Taylor's tests draw red where a decoder goes wrong and green where it is right.
        using var image = AnimatedImage.Load(Path.Combine(s_corpus, file));
        using var frame = image.GetFrame(image.FrameCount - 1);
        var rgba = frame.ToRgba();
        for (var i = 0; i < rgba.Length; i += 4)
        {
            Assert.IsTrue(
                rgba[i] == 0 && rgba[i + 1] == 255 && rgba[i + 2] == 0 && rgba[i + 3] == 255,
                $"{file}: pixel {i / 4} is ({rgba[i]}, {rgba[i + 1]}, {rgba[i + 2]}, {rgba[i + 3]}), not opaque green");
        }
    }

    [TestMethod]
    public void GetFrame_AnimatedRedBlueApng_MatchesTheGifFrames()
    {
        using var apng = AnimatedImage.Load(Path.Combine(s_corpus, "animated-red-blue.apng"));
        using var gif = AnimatedImage.Load(Path.Combine(s_corpus, "animated-red-blue.gif"));

        Assert.AreEqual(gif.FrameCount, apng.FrameCount);
        Assert.AreEqual(gif.LoopCount, apng.LoopCount);
        for (var i = 0; i < apng.FrameCount; i++)
        {
            using var apngFrame = apng.GetFrame(i);
            using var gifFrame = gif.GetFrame(i);
            CollectionAssert.AreEqual(gifFrame.ToRgba(), apngFrame.ToRgba(), $"frame {i}");
        }
    }

    [TestMethod]
    [DataRow("animated-red-blue.apng")]
    [DataRow("dispose_op_previous_frame.png")]
    [DataRow("dispose-previous-blend-source.png")]
    [DataRow("dispose-background-blend-source.png")]
    [DataRow("dispose_op_background_region.png")]
    [DataRow("apng-skip-idat.png")]
    [DataRow("TestImageAnimated.apng")]
    public void GetFrame_BackwardsFromAFreshImage_MatchesPlayingInOrder(string file)
    {
        var path = Path.Combine(s_corpus, file);
        using var inOrder = AnimatedImage.Load(path);
        var expected = new byte[inOrder.FrameCount][];
        for (var i = 0; i < inOrder.FrameCount; i++)
        {
            using var frame = inOrder.GetFrame(i);
            expected[i] = frame.ToRgba();
        }

        // Each backwards request starts from an empty cache, so it rebuilds the frame from GetRequiredFrame's chain alone.
        for (var i = inOrder.FrameCount - 1; i >= 0; i--)
        {
            using var backwards = AnimatedImage.Load(path);
            using var frame = backwards.GetFrame(i);
            CollectionAssert.AreEqual(expected[i], frame.ToRgba(), $"frame {i}");
        }
    }

    [TestMethod]
    [DataRow("dispose_op_previous_frame.png", new[] { -1, 0, 0 })]
    [DataRow("animated-red-blue.apng", new[] { -1, 0, 1, 1 })]
    [DataRow("dispose_op_background.png", new[] { -1, 0, -1 })]
    [DataRow("dispose_op_previous_first.png", new[] { -1, -1 })]
    public void GetRequiredFrame_DisposalChain_NeverNamesAPreviousDisposedFrame(string file, int[] expected)
    {
        var data = File.ReadAllBytes(Path.Combine(s_corpus, file));
        using var source = new ApngDecoder().CreateSource(data, ImageDecodeOptions.Default);

        var actual = Enumerable.Range(0, source.FrameCount).Select(source.GetRequiredFrame).ToArray();

        CollectionAssert.AreEqual(expected, actual);
    }

    [TestMethod]
    public void Decode_MoreFramesThanTheLimit_ThrowsImageLimitExceededException()
    {
        var options = new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = 100 } };

        var error = Assert.ThrowsExactly<ImageLimitExceededException>(
            () => AnimatedImage.Load(Path.Combine(s_corpus, "TestImageAnimated.apng"), options));

        StringAssert.Contains(error.Reason, "MaxFrameCount");
    }

    [TestMethod]
    [DataRow("animated-red-blue.apng")]
    [DataRow("apng-skip-idat.png")]
    [DataRow("mode_palette_alpha.png")]
    [DataRow("split_fdat_zero_chunk.png")]
    public void Decode_TruncatedAtEveryLength_DecodesOrThrowsImageDecodingException(string file)
    {
        var data = File.ReadAllBytes(Path.Combine(s_corpus, file));
        for (var length = 0; length < data.Length; length++)
        {
            try
            {
                using var image = AnimatedImage.Decode(data.AsSpan(0, length));
                DecodeEveryFrame(image);
            }
            catch (ImageDecodingException)
            {
            }
        }
    }

    [TestMethod]
    [DataRow("animated-red-blue.apng")]
    [DataRow("apng-skip-idat.png")]
    [DataRow("mode_palette_alpha.png")]
    [DataRow("split_fdat_zero_chunk.png")]
    public void Decode_AnyByteChangedWithCrcFixed_DecodesOrThrowsImageDecodingException(string file)
    {
        // Fixing the CRC gets each change past the CRC check, into the field parsers, the limits and Skia.
        var original = File.ReadAllBytes(Path.Combine(s_corpus, file));
        var chunkStarts = ChunkOffsets(original);
        for (var position = 8; position < original.Length; position++)
        {
            var data = (byte[])original.Clone();
            data[position] ^= 0x5A;
            var chunk = chunkStarts.Last(start => start <= position);
            if (position >= chunk + 4)
            {
                FixCrc(data, chunk);
            }

            try
            {
                using var image = AnimatedImage.Decode(data);
                DecodeEveryFrame(image);
            }
            catch (ImageDecodingException)
            {
            }
        }
    }

    // animated-red-blue.apng (4 frames, no IEND once cut): 1824 ends frame 2's fdAT, 1271 ends frame 2's fcTL. A file that
    // ends between two chunks is as truncated as one that ends inside a chunk, and keeps the same frames.
    [TestMethod]
    [DataRow(1824, 3)]
    [DataRow(1825, 3)]
    [DataRow(1271, 2)]
    [DataRow(1272, 2)]
    public void Decode_FileCutBeforeIend_KeepsTheCompleteFramesWhereverTheCutFalls(int length, int frames)
    {
        var data = File.ReadAllBytes(Path.Combine(s_corpus, "animated-red-blue.apng")).AsSpan(0, length);

        using var image = AnimatedImage.Decode(data);

        Assert.AreEqual(frames, image.FrameCount);
        DecodeEveryFrame(image);
    }

    [TestMethod]
    public void GetFrame_CorruptFrameData_ThrowsForThatFrameOnly()
    {
        // animated-red-blue.apng: frame 1's fdAT is at byte 1136; garble its zlib stream behind a valid CRC.
        var data = File.ReadAllBytes(Path.Combine(s_corpus, "animated-red-blue.apng"));
        data.AsSpan(1136 + 8 + 4, 40).Fill(0xAB);
        FixCrc(data, 1136);
        using var image = AnimatedImage.Decode(data);

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => image.GetFrame(1));

        Assert.AreEqual(1, error.FrameIndex);
        using var first = image.GetFrame(0);
        Assert.AreEqual(image.FrameByteCount, first.ByteCount);
    }

    [TestMethod]
    public void Decode_DamagedFdatPayload_ThrowsCrcError()
    {
        var data = File.ReadAllBytes(Path.Combine(s_corpus, "animated-red-blue.apng"));
        data[1136 + 20] ^= 0xFF;

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(data));

        StringAssert.Contains(error.Reason, "CRC");
    }

    [TestMethod]
    public void Decode_FrameRegionOutsideCanvas_ThrowsImageDecodingException()
    {
        // animated-red-blue.apng: the fcTL at byte 1098 places a 37x9 frame at (15, 31) on a 64x48 canvas; move it to x = 40.
        var data = File.ReadAllBytes(Path.Combine(s_corpus, "animated-red-blue.apng"));
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(1098 + 8 + 12), 40);
        FixCrc(data, 1098);

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(data));

        StringAssert.Contains(error.Reason, "canvas");
    }

    [TestMethod]
    public void CreateDefault_Decoders_TriesApngBeforeSkia()
    {
        var decoders = ImageDecoderRegistry.CreateDefault().Decoders;

        Assert.IsInstanceOfType<ApngDecoder>(decoders[0]);
        Assert.IsInstanceOfType<SkiaImageDecoder>(decoders[1]);
    }

    [TestMethod]
    [DataRow(ImageFormat.Apng, true)]
    [DataRow(ImageFormat.Png, false)]
    [DataRow(ImageFormat.Gif, false)]
    [DataRow(ImageFormat.Unknown, false)]
    public void CanDecode_Format_AcceptsOnlyApng(ImageFormat format, bool expected) =>
        Assert.AreEqual(expected, new ApngDecoder().CanDecode(format, []));

    private static void DecodeEveryFrame(AnimatedImage image)
    {
        for (var i = 0; i < image.FrameCount; i++)
        {
            using var frame = image.GetFrame(i);
            Assert.AreEqual(image.FrameByteCount, frame.ByteCount);
        }
    }

    private static void FixCrc(byte[] data, int chunkOffset)
    {
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(chunkOffset));
        var crc = Crc32.HashToUInt32(data.AsSpan(chunkOffset + 4, 4 + length));
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(chunkOffset + 8 + length), crc);
    }

    private static List<int> ChunkOffsets(byte[] data)
    {
        var offsets = new List<int>();
        for (var offset = 8; offset + 12 <= data.Length; offset += 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset)))
        {
            offsets.Add(offset);
        }

        return offsets;
    }
}
