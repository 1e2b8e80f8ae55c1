using ImageKit.Decoding;

namespace ImageKit.Tests.Decoding;

[TestClass]
public sealed class DecodingLimitsTests
{
    [TestMethod]
    public void Decode_GifDeclaring65535Squared_IsRefusedBeforeAllocating()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Decode(Gif(65535, 65535)));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        StringAssert.Contains(error.Message, "65535x65535");
        StringAssert.Contains(error.Message, "MaxPixelsPerFrame");
        Assert.IsLessThan(1024 * 1024, allocated, "no allocation proportional to the declared size");
    }

    [TestMethod]
    public void Decode_FrameCountOverLimit_IsRefused()
    {
        var options = new ImageDecodeOptions { Limits = new DecodingLimits { MaxFrameCount = 2 } };
        var error = Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Decode(Gif(4, 4, frames: 3), options));
        StringAssert.Contains(error.Message, "3 frames");
    }

    [TestMethod]
    public void Decode_TotalDecodedBytesOverLimit_IsRefused()
    {
        var options = new ImageDecodeOptions { Limits = new DecodingLimits { MaxTotalDecodedBytes = 4 * 4 * 4 * 2 } };
        var error = Assert.Throws<ImageLimitExceededException>(() => AnimatedImage.Decode(Gif(4, 4, frames: 3), options));
        StringAssert.Contains(error.Message, "MaxTotalDecodedBytes");
    }

    [TestMethod]
    public void Decode_WithinLimits_Decodes()
    {
        using var image = AnimatedImage.Decode(Gif(4, 4, frames: 3));
        Assert.AreEqual(3, image.FrameCount);
        Assert.AreEqual(4, image.PixelWidth);
        image.GetFrame(2).Dispose();
    }

    // A minimal valid GIF: a 2-colour global palette and `frames` 1x1 image blocks, on a canvas of the given size.
    internal static byte[] Gif(int width, int height, int frames = 1)
    {
        var bytes = new List<byte>();
        bytes.AddRange("GIF89a"u8.ToArray());
        bytes.AddRange([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0x80, 0, 0]);
        bytes.AddRange([0, 0, 0, 255, 255, 255]);
        for (var i = 0; i < frames; i++)
        {
            bytes.AddRange([0x21, 0xF9, 4, 0, 10, 0, 0, 0]);
            bytes.AddRange([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
            bytes.AddRange([2, 2, 0x4C, 0x01, 0]); // LZW: clear, index 1, end
        }

        bytes.Add(0x3B);
        return [.. bytes];
    }
}
