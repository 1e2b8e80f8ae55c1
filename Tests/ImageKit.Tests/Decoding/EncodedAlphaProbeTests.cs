using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using SkiaSharp;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// <see cref="AnimatedImage.HasAlpha"/> of a WebP says what its container carries: libwebp reads no further than the RIFF
/// size says, so bytes after it (appended data) are no part of the image.
/// </summary>
[TestClass]
public sealed class EncodedAlphaProbeTests
{
    private static readonly byte[] s_alphaChunkAfterTheRiff = [.. "ALPH"u8, 2, 0, 0, 0, 0, 0];

    [TestMethod]
    public void HasAlpha_OpaqueWebPStillWithAnAlphaChunkAfterItsRiffEnd_IsFalse()
    {
        byte[] data = [.. OpaqueLosslessWebP(), .. s_alphaChunkAfterTheRiff];

        using var image = AnimatedImage.Decode(data);

        Assert.IsFalse(image.HasAlpha);
        using var frame = image.GetFrame(0);
        Assert.AreEqual(0xFF, frame.Pixels[3], "Skia decodes it opaque");
    }

    [TestMethod]
    public void HasAlpha_OpaqueWebPAnimationWithAnAlphaChunkAfterItsRiffEnd_IsFalse()
    {
        byte[] data = [.. TinyFrameAnimations.WebP(2), .. s_alphaChunkAfterTheRiff];

        using var image = AnimatedImage.Decode(data);
        using var firstOnly = AnimatedImage.Decode(data, new ImageDecodeOptions { FirstFrameOnly = true });

        Assert.AreEqual(2, image.FrameCount);
        Assert.IsFalse(image.HasAlpha);
        Assert.IsFalse(firstOnly.HasAlpha);
    }

    private static byte[] OpaqueLosslessWebP()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(4, 4, SKColorType.Bgra8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Red);
        using var pixmap = bitmap.PeekPixels();
        using var encoded = pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100))
            ?? throw new InvalidOperationException("Skia could not encode a WebP");
        return encoded.ToArray();
    }
}
