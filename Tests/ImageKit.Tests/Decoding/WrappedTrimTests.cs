using System.Drawing;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;
using ImageKit.Transforming.Internal;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// <see cref="AnimatedImage.TrimCache"/> on a scaled-down or transformed animation drops every composited frame the image
/// holds, including the full-size ones its wrapped image keeps to draw later frames onto (which its MemoryCost counts).
/// </summary>
[TestClass]
[DoNotParallelize] // reads the process-wide count of native pixel bytes
public sealed class WrappedTrimTests
{
    [TestInitialize]
    public void SettlePixelMemory() => Leaks.SettlePixelMemory();

    [TestMethod]
    public void TrimCache_OfAScaledAnimationWhoseFramesBuildOnEachOther_FreesTheFullSizeFramesToo()
    {
        var inner = new AnimatedImage(new ChainedAnimation(), ReadOnlyMemory<byte>.Empty);
        using var image = new AnimatedImage(ScaledImageSource.Create(inner, 16, 16), ReadOnlyMemory<byte>.Empty);
        AssertTrimFreesEverything(image);
    }

    [TestMethod]
    public void TrimCache_OfATransformedAnimationWhoseFramesBuildOnEachOther_FreesTheFullSizeFramesToo()
    {
        var inner = new AnimatedImage(new ChainedAnimation(), ReadOnlyMemory<byte>.Empty);
        using var image = new AnimatedImage(TransformedImageSource.Create(inner, [new GrayscaleTransformer()]), ReadOnlyMemory<byte>.Empty);
        AssertTrimFreesEverything(image);
    }

    private static void AssertTrimFreesEverything(AnimatedImage image)
    {
        var before = PixelMemory.AllocatedBytes;
        for (var i = 0; i < image.FrameCount - 2; i++) // stopped mid-play: the last frame drawn is built on
        {
            image.GetFrame(i).Dispose();
        }

        image.TrimCache();
        PixelBufferPool.Shared.Trim();

        Assert.AreEqual(before, PixelMemory.AllocatedBytes, "no composited frame, full-size or not, is kept after a trim");
    }

    // Frame i is drawn onto frame i - 1 (as a GIF's frames often are): the wrapped image keeps full-size frames for that.
    private sealed class ChainedAnimation : AnimatedImageSource
    {
        public override ImageFormat Format => ImageFormat.Gif;

        public override int PixelWidth => 256;

        public override int PixelHeight => 256;

        public override int FrameCount => 5;

        public override int LoopCount => 0;

        public override bool HasAlpha => false;

        public override TimeSpan GetFrameDuration(int index) => TimeSpan.FromMilliseconds(100);

        public override int GetRequiredFrame(int index) => index - 1;

        public override void RenderFrame(int index, int requiredFrame, Span<byte> canvas, int rowBytes) =>
            canvas[..(rowBytes * (index + 1))].Fill((byte)(index + 1));
    }
}
