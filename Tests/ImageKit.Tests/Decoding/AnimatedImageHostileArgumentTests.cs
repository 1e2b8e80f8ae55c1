using ImageKit.Decoding;
using ImageKit.Decoding.Skia;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>Decode options the types allow but that make no sense.</summary>
[TestClass]
public sealed class AnimatedImageHostileArgumentTests
{
    [TestMethod]
    public void TotalDuration_FrameDurationsReplacedByTimeSpanMaxValue_DoesNotOverflow()
    {
        var policy = new FrameDurationPolicy(TimeSpan.MaxValue, TimeSpan.MaxValue);
        using var image = AnimatedImage.Decode(Corpus.Read("animated-red-blue.gif"), new ImageDecodeOptions { FrameDurations = policy });
        Assert.IsGreaterThan(1, image.FrameCount);

        // A property getter throwing OverflowException; the sum should saturate at TimeSpan.MaxValue.
        Assert.AreEqual(TimeSpan.MaxValue, image.TotalDuration);
    }

    [TestMethod]
    public void Decode_NullLimitsOrFrameDurations_ThrowsArgumentNullException()
    {
        var data = Corpus.Read("animated-red-blue.gif");

        // Both are non-nullable init properties; null reaches the decoder and fails with a NullReferenceException.
        Assert.ThrowsExactly<ArgumentNullException>(() => AnimatedImage.Decode(data, new ImageDecodeOptions { Limits = null! }).Dispose());
        Assert.ThrowsExactly<ArgumentNullException>(() => AnimatedImage.Decode(data, new ImageDecodeOptions { FrameDurations = null! }).Dispose());
    }

    [TestMethod]
    public void ImageDecoderRegistry_NullDecoder_IsRefusedAtConstruction()
    {
        // A NullReferenceException at the first Decode before.
        var e = Assert.ThrowsExactly<ArgumentException>(() => new ImageDecoderRegistry([new SkiaImageDecoder(), null!]));
        Assert.AreEqual("decoders", e.ParamName);
    }
}
