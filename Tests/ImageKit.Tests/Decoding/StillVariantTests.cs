using System.Drawing;
using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using ImageKit.Tests.TestUtilities;
using ImageKit.Tests.Transforming;
using ImageKit.Transforming;
using ImageKit.Transforming.Internal;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// <see cref="StillVariant.KeepAsPixels"/>: which images become their pixels alone, and that every path releases what it
/// holds exactly once: the original on success and failure, the kept pixels with their last owner.
/// </summary>
[TestClass]
public sealed class StillVariantTests
{
    [TestMethod]
    public void KeepAsPixels_Thumbnail_KeepsThePixelsUntilTheirLastOwnerLetsGo()
    {
        var image = StillVariant.KeepAsPixels(AnimatedImage.Decode(TestPictures.RedBlue(400, 200), new ImageDecodeOptions { ThumbnailPixelSize = new Size(40, 40) }));
        Assert.IsTrue(image.EncodedData.IsEmpty);
        var frame = image.GetFrame(0);
        var pixels = frame.Buffer;
        using (var again = image.GetFrame(0))
        {
            Assert.AreSame(pixels, again.Buffer, "the kept pixels themselves, never a copy");
        }

        image.Dispose();
        Assert.IsFalse(pixels.IsReleased, "a frame still holds them");
        frame.Dispose();
        Assert.IsTrue(pixels.IsReleased, "released with their last owner");
    }

    [TestMethod]
    public void KeepAsPixels_FullSizeStillOrAnimation_IsReturnedAsItIs()
    {
        using var still = AnimatedImage.Decode(TestPictures.RedBlue());
        Assert.AreSame(still, StillVariant.KeepAsPixels(still));
        using var animation = AnimatedImage.Decode(Corpus.Read("alphabetAnim.gif"), new ImageDecodeOptions { Transformers = [new GrayscaleTransformer()] });
        Assert.AreSame(animation, StillVariant.KeepAsPixels(animation), "an animation decodes lazily, transformed or not");
    }

    [TestMethod]
    public void KeepAsPixels_PixelsThatFail_ReleaseTheOriginalOnce()
    {
        var (inner, source) = CountingSource.Create(frameCount: 1);
        var failing = new AnimatedImage(TransformedImageSource.Create(inner, [new ThrowingTransformer()]), ReadOnlyMemory<byte>.Empty);

        Assert.ThrowsExactly<ImageTransformException>(() => StillVariant.KeepAsPixels(failing));
        Assert.IsTrue(failing.IsDisposed);
        Assert.AreEqual(1, source.Disposals);
    }

    private sealed class ThrowingTransformer : ImageTransformer
    {
        public override string Key => "throwing";

        public override void Transform(ReadOnlySpan<byte> input, Size inputSize, Span<byte> output, Size outputSize) =>
            throw new InvalidOperationException("on purpose");
    }
}
