using System.Buffers.Binary;
using ImageKit.Decoding;
using SkiaSharp;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// A thumbnail of an ICO is the image (its largest entry, what a full decode shows) made smaller: Skia's ICO codec
/// "decodes smaller" by switching to another of the file's entries, which may be another picture altogether.
/// </summary>
[TestClass]
public sealed class IcoThumbnailTests
{
    [TestMethod]
    [DataRow(40, 40)]
    [DataRow(20, 20)]
    [DataRow(16, 16)]
    [DataRow(100, 10)]
    public void GetFrame_ThumbnailOfAnIcoWithSeveralEntries_IsItsLargestEntryMadeSmaller(int boxWidth, int boxHeight)
    {
        var data = Ico((64, SKColors.Red), (16, SKColors.Blue), (32, SKColors.Lime));
        using (var full = AnimatedImage.Decode(data))
        {
            Assert.AreEqual((64, 64), (full.PixelWidth, full.PixelHeight), "the full image is the largest entry");
        }

        using var thumbnail = ImageDecoderRegistry.Default.Decode(data, new ImageDecodeOptions { ThumbnailPixelSize = new System.Drawing.Size(boxWidth, boxHeight) });
        using var frame = thumbnail.GetFrame(0);

        var side = Math.Min(boxWidth, boxHeight);
        Assert.AreEqual((side, side), (frame.Width, frame.Height));
        var rgba = frame.ToRgba();
        var centre = (((frame.Height / 2) * frame.Width) + (frame.Width / 2)) * 4;
        Assert.AreEqual(
            "255,0,0,255",
            $"{rgba[centre]},{rgba[centre + 1]},{rgba[centre + 2]},{rgba[centre + 3]}",
            "the centre of the thumbnail is the red of the 64 x 64 entry, not another entry's colour");
    }

    // An ICO of PNG entries, each a square of one colour.
    private static byte[] Ico(params (int Side, SKColor Colour)[] entries)
    {
        var images = entries.Select(e => Png(e.Side, e.Colour)).ToArray();
        using var output = new MemoryStream();
        var header = new byte[6];
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), (ushort)entries.Length);
        output.Write(header);
        var offset = 6 + (16 * entries.Length);
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = new byte[16];
            entry[0] = (byte)entries[i].Side;
            entry[1] = (byte)entries[i].Side;
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(6), 32);
            BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(8), images[i].Length);
            BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(12), offset);
            offset += images[i].Length;
            output.Write(entry);
        }

        foreach (var image in images)
        {
            output.Write(image);
        }

        return output.ToArray();
    }

    private static byte[] Png(int side, SKColor colour)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Bgra8888, SKAlphaType.Premul));
        bitmap.Erase(colour);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }
}
