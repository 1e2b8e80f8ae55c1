using System.Drawing;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;
using ImageKit.Transforming;
using ImageKit.Transforming.Internal;

namespace ImageKit.Tests.Transforming;

/// <summary>
/// A transformed image keeps its transformed frames, never the full-size ones they were made from: also when a
/// transformer fails on a frame, the full-size frame decoded for it is let go at once rather than kept, uncounted by the
/// image's <see cref="AnimatedImage.MemoryCost"/>, for as long as the image lives (a cache, a retry).
/// </summary>
[TestClass]
[DoNotParallelize] // reads the process-wide count of native pixel bytes
public sealed class FailedTransformMemoryTests
{
    [TestInitialize]
    public void SettlePixelMemory() => Leaks.SettlePixelMemory();

    [TestMethod]
    public void GetFrame_TransformerFailsOnAStill_KeepsNoFullSizePixels()
    {
        using var image = AnimatedImage.Decode(Corpus.Read("TestImage.jpg"), new ImageDecodeOptions { Transformers = [new FailingTransformer()] });
        var before = PixelMemory.AllocatedBytes;

        Assert.ThrowsExactly<ImageTransformException>(() => image.GetFrame(0));

        PixelBufferPool.Shared.Trim();
        Assert.AreEqual(before, PixelMemory.AllocatedBytes, "no pixels are kept after the failed frame");
    }

    [TestMethod]
    public void GetFrame_TransformerFailsOnAnAnimationFrame_KeepsNoFullSizePixels()
    {
        var inner = new AnimatedImage(new TestAnimation(4, TimeSpan.FromMilliseconds(100), width: 64, height: 64), ReadOnlyMemory<byte>.Empty);
        using var image = new AnimatedImage(TransformedImageSource.Create(inner, [new FailingTransformer()]), ReadOnlyMemory<byte>.Empty);
        var before = PixelMemory.AllocatedBytes;

        Assert.ThrowsExactly<ImageTransformException>(() => image.GetFrame(1));

        PixelBufferPool.Shared.Trim();
        Assert.AreEqual(before, PixelMemory.AllocatedBytes, "no frame is drawn onto frame 1: its full-size pixels are not kept");
    }

    private sealed class FailingTransformer : ImageTransformer
    {
        public override string Key => "failing";

        public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize) =>
            throw new InvalidOperationException("this transformer always fails");
    }
}
