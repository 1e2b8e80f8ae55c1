using ImageKit.Decoding;
using ImageKit.Decoding.Internal;
using SkiaSharp;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// Stills are decoded straight into a pooled buffer without clearing it first; nothing a previous user left in the buffer
/// may show through.
/// </summary>
[TestClass]
public sealed class StillCanvasTests
{
    [TestMethod]
    [DataRow(SKEncodedImageFormat.Png, 131, 71)]
    [DataRow(SKEncodedImageFormat.Webp, 133, 73)]
    [DataRow(SKEncodedImageFormat.Jpeg, 137, 79)]
    public void GetFrame_StillInARecycledDirtyBuffer_EqualsADecodeOntoAClearedCanvas(SKEncodedImageFormat format, int width, int height)
    {
        var data = EncodeHalfTransparent(format, width, height);
        var expected = DecodeOntoClearedCanvas(data);

        // Odd sizes no other test uses, so the next rent of this length gets the dirty array back.
        var dirty = PixelBufferPool.Shared.Rent(width * height * 4);
        dirty.Span.Fill(0xA5);
        dirty.Release();

        using var image = AnimatedImage.Decode(data);
        using var frame = image.GetFrame(0);
        CollectionAssert.AreEqual(expected, frame.Pixels.ToArray());
    }

    [TestMethod]
    public void GetFrame_ScaledStillInARecycledDirtyBuffer_HasNoDirtyPixels()
    {
        var data = EncodeHalfTransparent(SKEncodedImageFormat.Png, 139, 83);
        using var image = ImageDecoderRegistry.Default.Decode(data, new ImageDecodeOptions { MaxPixelCount = 139 * 83 / 4 });
        var dirty = PixelBufferPool.Shared.Rent(checked((int)image.FrameByteCount));
        dirty.Span.Fill(0xA5);
        dirty.Release();

        using var frame = image.GetFrame(0);
        var pixels = frame.Pixels.ToArray();
        // The left half of the source is fully transparent: its scaled pixels must be 0, never the 0xA5 left behind.
        for (var y = 0; y < frame.Height; y++)
        {
            Assert.AreEqual(0, pixels[(y * frame.RowBytes) + 3], $"row {y}");
        }
    }

    private static byte[] EncodeHalfTransparent(SKEncodedImageFormat format, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = new SKColor(30, 140, 220) })
        {
            canvas.DrawRect(width / 2f, 0, width / 2f, height, paint);
        }

        using var encoded = bitmap.Encode(format, 90);
        return encoded.ToArray();
    }

    private static byte[] DecodeOntoClearedCanvas(byte[] data)
    {
        using var codec = SKCodec.Create(new MemoryStream(data));
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        bitmap.Erase(SKColors.Transparent);
        Assert.AreEqual(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels()));
        return bitmap.Bytes;
    }
}
