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
}
