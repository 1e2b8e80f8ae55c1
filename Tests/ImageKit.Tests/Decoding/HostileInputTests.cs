using System.Buffers.Binary;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using SkiaSharp;

namespace ImageKit.Tests.Decoding;

/// <summary>Inputs built to hurt the decoder: each must end in an ImageKit exception or a decoded image, never a crash or a hang.</summary>
[TestClass]
public sealed class HostileInputTests
{
    /// <summary>
    /// A valid 2×2 WebP followed by ANMF chunks nested 100,000 deep (24 bytes a level). The alpha probe used to recurse once
    /// per level, and a stack overflow ends the process whatever catches it.
    /// </summary>
    [TestMethod]
    public void Decode_WebPWithDeeplyNestedFrameChunks_DoesNotOverflowTheStack()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(2, 2, SKColorType.Bgra8888, SKAlphaType.Opaque));
        bitmap.Erase(SKColors.Red);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Webp, 100);
        var webp = encoded.ToArray();
        const int depth = 100_000;
        var nested = new byte[depth * 24];
        for (var level = 0; level < depth; level++)
        {
            var offset = level * 24;
            "ANMF"u8.CopyTo(nested.AsSpan(offset));
            BinaryPrimitives.WriteUInt32LittleEndian(nested.AsSpan(offset + 4), (uint)(16 + ((depth - 1 - level) * 24)));
        }

        var file = webp.Concat(nested).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)(file.Length - 8)); // the RIFF size covers it all

        try
        {
            using var image = AnimatedImage.Decode(file);
            Assert.AreEqual(2, image.PixelWidth, "Skia decodes the image and ignores the trailing chunks");
        }
        catch (ImageKitException)
        {
            // Rejecting it is fine too; only a crash is not.
        }
    }

    [TestMethod]
    public void GetFrame_CanvasLargerThanOneBufferButWithinRaisedLimits_ThrowsImageLimitExceeded()
    {
        var limits = new DecodingLimits { MaxPixelsPerFrame = long.MaxValue, MaxTotalDecodedBytes = long.MaxValue };

        // 30,000 × 30,000 × 4 bytes is 3.6 GB: no frame buffer can hold it, whatever the limits say.
        Assert.ThrowsExactly<ImageLimitExceededException>(
            () => new AnimatedImage(new CountingSource(frameCount: 1, width: 30_000, height: 30_000), ReadOnlyMemory<byte>.Empty, new ImageDecodeOptions { Limits = limits }));
    }

    [TestMethod]
    public void GetFrame_CustomSourceSaysAFrameRequiresItself_ThrowsInsteadOfLooping()
    {
        using var image = new AnimatedImage(new CountingSource(frameCount: 3, width: 4, height: 4, requiredFrame: index => index), ReadOnlyMemory<byte>.Empty, ImageDecodeOptions.Default);

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => image.GetFrame(2).Dispose());
        Assert.AreEqual(2, error.FrameIndex);
    }
}
