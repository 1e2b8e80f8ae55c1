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
    public void FrameDurationPolicy_NegativeReplacement_ThrowsArgumentOutOfRange()
    {
        // A negative effective duration made TotalDuration throw OverflowException (TimeSpan.MaxValue - d).
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FrameDurationPolicy(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(-5)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FrameDurationPolicy.Browser with { Replacement = TimeSpan.FromTicks(-1) });
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    public void CustomSourceWithNegativeDurations_AsEncoded_ReadsAsZeroAndTotalDurationDoesNotThrow(int frameCount)
    {
        using var image = new AnimatedImage(new NegativeDurations(frameCount), ReadOnlyMemory<byte>.Empty, new ImageDecodeOptions { FrameDurations = FrameDurationPolicy.AsEncoded });

        Assert.AreEqual(TimeSpan.Zero, image.TotalDuration);
        Assert.IsTrue(image.FrameDurations.All(d => d == TimeSpan.Zero) && image.EffectiveFrameDurations.All(d => d == TimeSpan.Zero), string.Join(", ", image.EffectiveFrameDurations));
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

    [TestMethod]
    public void GetFrame_CustomSourceNamingAFrameBeyondTheLastAsRequired_FailsOnlyThatFrameWithImageDecodingException()
    {
        // Frame 2 says it is drawn onto frame 7 of 3. The table of which frames others are drawn onto is built for every
        // frame at once, the first time a frame is drawn onto another: it threw IndexOutOfRangeException for frame 1.
        using var image = new AnimatedImage(new CountingSource(3, requiredFrame: i => i switch { 1 => 0, 2 => 7, _ => -1 }), ReadOnlyMemory<byte>.Empty);

        using (var frame = image.GetFrame(1))
        {
            Assert.AreEqual(2, frame.Pixels[0]);
        }

        var e = Assert.ThrowsExactly<ImageDecodingException>(() => image.GetFrame(2).Dispose());
        Assert.AreEqual(2, e.FrameIndex);
    }

    private sealed class NegativeDurations(int frameCount) : AnimatedImageSource
    {
        public override ImageFormat Format => ImageFormat.Gif;

        public override int PixelWidth => 4;

        public override int PixelHeight => 4;

        public override int FrameCount => frameCount;

        public override int LoopCount => 0;

        public override bool HasAlpha => false;

        public override TimeSpan GetFrameDuration(int index) => TimeSpan.FromMilliseconds(-20 - index);

        public override int GetRequiredFrame(int index) => -1;

        public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes) => canvas.Clear();
    }
}
