using System.Drawing;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// What <see cref="AnimatedImage.FrameDurations"/> reports in each case its documentation names: the delay a file stores
/// for each frame (also for a one-frame GIF, APNG or WebP animation, and for the first frame of a first-frame-only
/// decode), zero for a format that stores none and for a still kept as its pixels alone.
/// </summary>
[TestClass]
public sealed class FrameDurationsTests
{
    [TestMethod]
    [DataRow("x-trans.gif", 100)] // one GIF frame with a 100 ms delay
    [DataRow("single_frame.png", 1000)] // an APNG of one frame
    [DataRow("TestImage.jpg", 0)]
    [DataRow("TestImage.png", 0)]
    public void FrameDurations_OfAStill_AreWhatItsFileStores(string file, int milliseconds)
    {
        using var image = AnimatedImage.Decode(Corpus.Read(file));
        Assert.IsFalse(image.IsAnimated);
        CollectionAssert.AreEqual(new[] { TimeSpan.FromMilliseconds(milliseconds) }, image.FrameDurations.ToArray());
    }

    [TestMethod]
    public void FrameDurations_OfAFirstFrameOnlyDecode_AreTheFirstFramesStoredDelay()
    {
        var data = Corpus.Read("animated-red-blue.gif");
        using var full = AnimatedImage.Decode(data);
        using var first = AnimatedImage.Decode(data, new ImageDecodeOptions { FirstFrameOnly = true });
        Assert.IsGreaterThan(TimeSpan.Zero, full.FrameDurations[0]);
        CollectionAssert.AreEqual(new[] { full.FrameDurations[0] }, first.FrameDurations.ToArray());
    }

    [TestMethod]
    public void FrameDurations_OfAThumbnailKeptAsPixels_AreZero()
    {
        var decoded = AnimatedImage.Decode(Corpus.Read("x-trans.gif"), new ImageDecodeOptions { ThumbnailPixelSize = new Size(4, 4) });
        Assert.AreEqual(TimeSpan.FromMilliseconds(100), decoded.FrameDurations[0], "a decoded thumbnail reports the delay stored");
        using var kept = StillVariant.KeepAsPixels(decoded);
        CollectionAssert.AreEqual(new[] { TimeSpan.Zero }, kept.FrameDurations.ToArray(), "its pixels alone keep no durations");
    }
}
