using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Every file of the public corpus against the values its manifest records (see Fixtures/corpus/README.md): valid files
/// decode with the expected format, size, frame count, loop count, durations and alpha, and every frame composites;
/// files expected to fail fail with an <see cref="ImageDecodingException"/>, never anything else.
/// </summary>
[TestClass]
public sealed class CorpusConformanceTests
{
    public static IEnumerable<object[]> DecodableFiles =>
        Corpus.Entries.Where(e => e.ExpectedOutcome == "decode").Select(e => new object[] { e.File });

    public static IEnumerable<object[]> RejectedFiles =>
        Corpus.Entries.Where(e => e.ExpectedOutcome == "error").Select(e => new object[] { e.File });

    public static IEnumerable<object[]> TolerantFiles =>
        Corpus.Entries.Where(e => e.ExpectedOutcome is "lenient" or "partial").Select(e => new object[] { e.File });

    [TestMethod]
    [DynamicData(nameof(DecodableFiles))]
    public void Decode_ValidFile_MatchesManifest(string file)
    {
        var expected = Corpus.Get(file);

        // The manifest gives stored sizes; ExifOrientationTests covers turning images upright.
        using var image = AnimatedImage.Decode(Corpus.Read(file), new ImageDecodeOptions { SourceName = file, Orientation = ExifOrientationPolicy.Ignore });

        if (expected.Format == "apng" && expected.FrameCount == 1)
        {
            // A one-frame APNG and an invalid APNG shown as its still image are both fine as either format.
            Assert.IsTrue(image.Format is ImageFormat.Apng or ImageFormat.Png, $"format {image.Format}");
        }
        else
        {
            Assert.AreEqual(ExpectedFormat(expected), image.Format, "format");
        }

        Assert.AreEqual(expected.Width, image.PixelWidth, "width");
        Assert.AreEqual(expected.Height, image.PixelHeight, "height");
        Assert.AreEqual(expected.FrameCount, image.FrameCount, "frame count");
        Assert.AreEqual(ExpectedLoopCount(expected), image.LoopCount, "loop count");
        if (expected.HasAlpha is bool alpha)
        {
            Assert.AreEqual(alpha, image.HasAlpha, "has alpha");
        }

        var durations = expected.DurationsMs.Length == 0 ? [0d] : expected.DurationsMs;
        CollectionAssert.AreEqual(durations, image.FrameDurations.Select(d => d.TotalMilliseconds).ToArray(), "durations (ms)");

        for (var i = 0; i < image.FrameCount; i++)
        {
            using var frame = image.GetFrame(i);
            Assert.AreEqual(image.PixelWidth * image.PixelHeight * 4, frame.Pixels.Length);
        }
    }

    [TestMethod]
    [DynamicData(nameof(RejectedFiles))]
    public void Decode_InvalidFile_ThrowsImageDecodingException(string file)
    {
        var data = Corpus.Read(file);
        var error = Assert.Throws<ImageDecodingException>(() => DecodeEveryFrame(data, file));
        Assert.IsFalse(string.IsNullOrWhiteSpace(error.Message));
        Assert.AreEqual(file, error.SourceName);
    }

    [TestMethod]
    [DynamicData(nameof(TolerantFiles))]
    public void Decode_OffSpecOrDamagedFile_DecodesOrThrowsImageDecodingException(string file)
    {
        try
        {
            DecodeEveryFrame(Corpus.Read(file), file);
        }
        catch (ImageDecodingException e)
        {
            Assert.IsFalse(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    private static void DecodeEveryFrame(byte[] data, string file)
    {
        using var image = AnimatedImage.Decode(data, new ImageDecodeOptions { SourceName = file });
        for (var i = 0; i < image.FrameCount; i++)
        {
            image.GetFrame(i).Dispose();
        }
    }

    private static ImageFormat ExpectedFormat(CorpusEntry entry) => entry.Format switch
    {
        "gif" => ImageFormat.Gif,
        "webp" => ImageFormat.WebP,
        "png" => ImageFormat.Png,
        "jpeg" => ImageFormat.Jpeg,

        "apng" => ImageFormat.Apng,
        _ => ImageFormat.Unknown,
    };

    // ImageKit's LoopCount is plays in total (0 = forever): GIF null -> 1, 0 -> 0, n -> n + 1; APNG and WebP as stored.
    private static int ExpectedLoopCount(CorpusEntry entry)
    {
        if (entry.FrameCount <= 1)
        {
            return 1;
        }

        return entry.Format == "gif"
            ? entry.LoopCount switch { null => 1, 0 => 0, var n => n.Value + 1 }
            : entry.LoopCount ?? 1;
    }
}
