using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

[TestClass]
public sealed class TruncatedDataTests
{
    [TestMethod]
    [DataRow("iss634.gif")]
    [DataRow("iss634.webp")]
    [DataRow("iss634.apng")]
    public void GetFrame_FileCutInTheLastThird_CompleteFramesDecodeAndTheRestFailCleanly(string file)
    {
        var whole = Corpus.Read(file);
        byte[][] reference;
        using (var image = AnimatedImage.Decode(whole))
        {
            reference = [.. Enumerable.Range(0, image.FrameCount).Select(i =>
            {
                using var frame = image.GetFrame(i);
                return frame.Pixels.ToArray();
            })];
        }

        using var cut = AnimatedImage.Decode(whole.AsSpan(0, whole.Length * 2 / 3));
        var decoded = 0;
        var failures = 0;
        for (var i = 0; i < cut.FrameCount; i++)
        {
            try
            {
                using var frame = cut.GetFrame(i);
                CollectionAssert.AreEqual(reference[i], frame.Pixels.ToArray(), $"frame {i} decoded from the complete part equals the original");
                decoded++;
            }
            catch (ImageDecodingException e)
            {
                Assert.AreEqual(i, e.FrameIndex, "the error names the frame");
                failures++;
            }
        }

        Assert.IsGreaterThan(0, decoded, "the frames before the cut are usable");
        Assert.IsTrue(failures > 0 || cut.FrameCount < reference.Length, "frames past the cut fail or are not announced");
    }

    [TestMethod]
    [DataRow("TestImage.png", "Png")]
    [DataRow("TestImage.jpg", "Jpeg")]
    [DataRow("TestImage.gif", "Gif")]
    [DataRow("TestImageStatic.webp", "WebP")]
    public void Decode_FileCutInsideItsHeader_ThrowsSayingTheFileIsTruncated(string file, string format)
    {
        var cut = Corpus.Read(file).AsSpan(0, 20).ToArray();

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(cut));

        Assert.AreEqual($"the {format} data ends inside its header (truncated file)", error.Message);
    }

    // A thumbnail of an animation decodes each frame through the full-size image: its failure, which already names the
    // frame, was named again ("frame 7: frame 7: the data ends …").
    // (Only GIF: cut WebP and APNG files lose their incomplete frames instead.)
    [TestMethod]
    public void GetFrame_ThumbnailOfACutAnimation_FailsWithTheFullImagesMessage()
    {
        var whole = Corpus.Read("iss634.gif");
        var cut = whole.AsSpan(0, whole.Length * 2 / 3).ToArray();
        using var full = AnimatedImage.Decode(cut);
        using var thumbnail = AnimatedImage.Decode(cut, new ImageDecodeOptions { ThumbnailPixelSize = new System.Drawing.Size(8, 8) });
        var failed = Enumerable.Range(0, full.FrameCount).First(i => Failure(full, i) is not null);

        var expected = Failure(full, failed)!;
        var error = Failure(thumbnail, failed);

        Assert.IsNotNull(error);
        Assert.AreEqual(expected.Message, error.Message);
        Assert.AreEqual(failed, error.FrameIndex);
    }

    private static ImageDecodingException? Failure(AnimatedImage image, int index)
    {
        try
        {
            image.GetFrame(index).Dispose();
            return null;
        }
        catch (ImageDecodingException e)
        {
            return e;
        }
    }
}
