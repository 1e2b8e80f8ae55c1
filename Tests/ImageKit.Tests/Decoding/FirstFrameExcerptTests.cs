using System.Buffers.Binary;
using ImageKit.Decoding;
using ImageKit.Decoding.Skia;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// A first-frame-only decode of a GIF or WebP animation gives Skia only the bytes up to the end of the first frame: Skia's
/// GIF codec parsed the whole file to count its frames, and WebP's demuxer indexed every frame (then Skia looked each one
/// up from the start of that index), so one frame of a file of a million tiny frames took seconds to minutes. What the
/// image reports stays what the whole file says.
/// </summary>
[TestClass]
public sealed class FirstFrameExcerptTests
{
    private static readonly ImageDecodeOptions s_firstFrameOnly = new() { FirstFrameOnly = true };

    [TestMethod]
    public void FirstFrameOnly_GifOf10001Frames_SkiaReadsOnlyTheFirstFrame()
    {
        var data = DecodingLimitsTests.Gif(1, 1, frames: 10_001);

        using var source = SkiaCodecSource.Create(data, ImageFormat.Gif, s_firstFrameOnly);

        // Header and colour table (19), graphic control extension (8), image (15), trailer (1).
        Assert.AreEqual(43, source.CodecDataBytes, $"of {data.Length} bytes");
        Assert.AreEqual(1, source.FrameCount);
    }

    [TestMethod]
    public void FirstFrameOnly_WebPOf10001Frames_SkiaReadsOnlyTheFirstFrame()
    {
        var data = FrameCountBeforeCodecTests.AnimatedWebP(10_001);
        var frameBytes = (data.Length - 12 - 32) / 10_001;

        using var source = SkiaCodecSource.Create(data, ImageFormat.WebP, s_firstFrameOnly);

        Assert.AreEqual(12 + 32 + frameBytes, source.CodecDataBytes, $"of {data.Length} bytes");
        Assert.AreEqual(1, source.FrameCount);
    }

    // The image plays once as a still, but its source still says what the file says.
    [TestMethod]
    public void FirstFrameOnly_GifWithItsLoopCountAfterTheFirstFrame_SourceReportsTheFilesLoopCount()
    {
        var plain = DecodingLimitsTests.Gif(1, 1, frames: 3);
        byte[] netscape = [0x21, 0xFF, 11, .. "NETSCAPE2.0"u8, 3, 1, 4, 0, 0]; // 4 repetitions
        var firstFrameEnd = 13 + 6 + 8 + 15;
        byte[] data = [.. plain[..firstFrameEnd], .. plain[firstFrameEnd..^1], .. netscape, 0x3B];

        using var full = SkiaCodecSource.Create(data, ImageFormat.Gif, new ImageDecodeOptions());
        using var first = SkiaCodecSource.Create(data, ImageFormat.Gif, s_firstFrameOnly);

        Assert.AreEqual(3, full.FrameCount);
        Assert.AreEqual(5, full.LoopCount, "the extension is read");
        Assert.AreEqual(full.LoopCount, first.LoopCount);
        Assert.IsLessThan(data.Length, first.CodecDataBytes);
    }

    // The walk that plans the excerpt answers whether the file carries transparency too (it visits every block anyway),
    // wherever the transparent index is set: before, in or after the first frame, or nowhere.
    [TestMethod]
    [DataRow(-1, false)]
    [DataRow(0, true)]
    [DataRow(1, true)]
    [DataRow(2, true)]
    public void FirstFrameOnly_GifTransparentIndexInAnyFrame_ReportsAlphaAsTheWholeDecode(int transparentFrame, bool expected)
    {
        var data = DecodingLimitsTests.Gif(1, 1, frames: 3);
        if (transparentFrame >= 0)
        {
            data[19 + (23 * transparentFrame) + 3] |= 0x01; // that frame's graphic control extension: transparency flag
        }

        using var full = SkiaCodecSource.Create(data, ImageFormat.Gif, new ImageDecodeOptions());
        using var first = SkiaCodecSource.Create(data, ImageFormat.Gif, s_firstFrameOnly);

        Assert.AreEqual(expected, full.HasAlpha);
        Assert.AreEqual(full.HasAlpha, first.HasAlpha);
        Assert.IsLessThan(data.Length, first.CodecDataBytes, "the excerpt is read");
    }

    // Extensions that follow each other are one piece of the excerpt, and each one after the first frame is kept.
    [TestMethod]
    public void FirstFrameOnly_GifWithApplicationExtensionsBetweenFrames_KeepsEveryOneInOrder()
    {
        var plain = DecodingLimitsTests.Gif(1, 1, frames: 3);
        byte[] netscape = [0x21, 0xFF, 11, .. "NETSCAPE2.0"u8, 3, 1, 4, 0, 0];
        byte[] other = [0x21, 0xFF, 11, .. "IMAGEKITTST"u8, 2, 7, 7, 0];
        var frame = 23;
        byte[] data = [.. plain[..(19 + frame)], .. other, .. plain[(19 + frame)..(19 + (2 * frame))], .. other, .. netscape, .. plain[(19 + (2 * frame))..]];

        using var first = SkiaCodecSource.Create(data, ImageFormat.Gif, s_firstFrameOnly);

        Assert.AreEqual(19 + frame + other.Length + other.Length + netscape.Length + 1, first.CodecDataBytes);
        Assert.AreEqual(5, first.LoopCount, "the loop count after two other extensions is read");
    }

    // Skia's GIF decoder stops at a graphic control extension that is not one 4-byte sub-block: what comes after it (a
    // transparency flag in that extension, a loop count, more frames) is not the image's, for the whole decode and for the
    // first frame's excerpt alike.
    [TestMethod]
    public void FirstFrameOnly_GifWithAGraphicControlTheCodecStopsAt_ReportsAsTheWholeDecode()
    {
        var plain = DecodingLimitsTests.Gif(1, 1, frames: 3);
        byte[] badControl = [0x21, 0xF9, 6, 1, 7, 0, 1, 0, 0, 0]; // transparency flag set, 6 bytes
        byte[] netscape = [0x21, 0xFF, 11, .. "NETSCAPE2.0"u8, 3, 1, 4, 0, 0]; // 4 repetitions
        var frame = 23;
        byte[] data = [.. plain[..(19 + frame)], .. badControl, .. plain[(19 + frame)..(19 + (2 * frame))], .. netscape, .. plain[(19 + (2 * frame))..]];

        using var full = SkiaCodecSource.Create(data, ImageFormat.Gif, new ImageDecodeOptions());
        using var first = SkiaCodecSource.Create(data, ImageFormat.Gif, s_firstFrameOnly);

        Assert.AreEqual((1, 1, false), (full.FrameCount, full.LoopCount, full.HasAlpha), "Skia sees the first frame alone");
        Assert.AreEqual((full.LoopCount, full.HasAlpha), (first.LoopCount, first.HasAlpha));
    }

    [TestMethod]
    public void FirstFrameOnly_WebPStillAnimationFlagged_KeepsItsWholeData()
    {
        var data = FrameCountBeforeCodecTests.AnimatedWebP(1);

        using var source = SkiaCodecSource.Create(data, ImageFormat.WebP, s_firstFrameOnly);

        Assert.AreEqual(data.Length, source.CodecDataBytes);
    }

    // Every animated GIF and WebP among the fixtures: the first-frame-only image reports what the whole decode reports
    // (its frame count and loop count aside: it is a still, of one frame played once), and its frame is the whole decode's first frame, pixel for pixel.
    [TestMethod]
    public void FirstFrameOnly_EveryAnimatedFixture_MatchesTheWholeDecodesFirstFrame()
    {
        var checkedFiles = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures"), "*", SearchOption.AllDirectories)
            .Where(static f => f.EndsWith(".gif", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".webp", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal))
        {
            var data = File.ReadAllBytes(file);
            var name = Path.GetRelativePath(AppContext.BaseDirectory, file);
            var full = Outcome(() => AnimatedImage.Decode(data));
            var first = Outcome(() => AnimatedImage.Decode(data, s_firstFrameOnly));
            using (full.Image)
            using (first.Image)
            {
                if (full.Image is null || !full.Image.IsAnimated)
                {
                    continue; // stills read their whole data as before
                }

                Assert.IsNotNull(first.Image, $"{name}: {first.Error}");
                var (a, b) = (full.Image, first.Image);
                Assert.AreEqual((1, 1), (b.FrameCount, b.LoopCount), name);
                Assert.AreEqual((a.PixelWidth, a.PixelHeight, a.HasAlpha, a.FrameDurations[0]), (b.PixelWidth, b.PixelHeight, b.HasAlpha, b.FrameDurations[0]), name);
                var expected = FrameOutcome(a);
                var actual = FrameOutcome(b);
                Assert.AreEqual(expected.Error, actual.Error, name);
                Assert.AreEqual(expected.Hash, actual.Hash, name);
                checkedFiles++;
            }
        }

        Assert.IsGreaterThan(10, checkedFiles, "the fixtures hold animations");
    }

    private static (AnimatedImage? Image, string? Error) Outcome(Func<AnimatedImage> decode)
    {
        try
        {
            return (decode(), null);
        }
        catch (Exception e) when (e is ImageDecodingException or ImageLimitExceededException)
        {
            return (null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static (string? Hash, string? Error) FrameOutcome(AnimatedImage image)
    {
        try
        {
            using var frame = image.GetFrame(0);
            return (Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(frame.Pixels)), null);
        }
        catch (ImageDecodingException e)
        {
            return (null, e.Message);
        }
    }
}
