using System.Buffers.Binary;
using System.IO.Hashing;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// A complete PNG that Skia will not open because of what its chunks say (no image data, an empty or oversized canvas)
/// is reported as that, not as a file that "ends inside its header": Skia calls all of these incomplete input.
/// </summary>
[TestClass]
public sealed class PngHeaderProblemTests
{
    [TestMethod]
    public void Decode_CompletePngWithoutImageData_SaysItHasNoIdat()
    {
        var png = Corpus.Read("TestImage.png");
        byte[] file = [.. png[..33], .. Chunk("IEND", [])];

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(file));

        Assert.AreEqual("the PNG has no image data (no IDAT chunk)", error.Message);
    }

    [TestMethod]
    public void Decode_PngWithItsImageDataAfterIend_SaysItHasNoIdat()
    {
        var png = Corpus.Read("TestImage.png");
        byte[] file = [.. png[..33], .. Chunk("IEND", []), .. png[33..]];

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(file));

        Assert.AreEqual("the PNG has no image data (no IDAT chunk)", error.Message);
    }

    [TestMethod]
    public void Decode_CompletePngWithoutIhdr_SaysItDoesNotStartWithOne()
    {
        var png = Corpus.Read("TestImage.png");
        byte[] file = [.. png[..8], .. png[33..]];

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(file));

        Assert.AreEqual("the PNG does not start with an IHDR chunk", error.Message);
    }

    [TestMethod]
    [DataRow(0u, 0u)]
    [DataRow(0u, 5u)]
    [DataRow(5u, 0u)]
    public void Decode_PngDeclaringAnEmptyCanvas_SaysSo(uint width, uint height)
    {
        var file = WithSize(Corpus.Read("TestImage.png"), width, height);

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(file));

        Assert.AreEqual($"the image declares an empty canvas ({width}x{height})", error.Message);
    }

    [TestMethod]
    [DataRow(2_000_000u, 1u, "2000000x1")]
    [DataRow(1u, 1_000_001u, "1x1000001")]
    public void Decode_PngWiderOrTallerThanLibpngReads_SaysSo(uint width, uint height, string size)
    {
        var file = WithSize(Corpus.Read("TestImage.png"), width, height);

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(file));

        Assert.AreEqual($"the canvas {size} is larger than the PNG decoder reads (libpng: at most 1,000,000 pixels a side)", error.Message);
    }

    [TestMethod]
    public void Decode_PngWiderThanPngAllows_SaysTheCanvasIsInvalid()
    {
        var file = WithSize(Corpus.Read("TestImage.png"), 0x8000_0000, 1);

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(file));

        Assert.AreEqual("the IHDR declares an invalid canvas (2147483648x1)", error.Message);
    }

    [TestMethod]
    public void Decode_PngOverThePixelLimitThatSkiaWillNotOpen_ThrowsTheLimitError()
    {
        var file = WithSize(Corpus.Read("TestImage.png"), 0x7FFF_FFFF, 1);

        var error = Assert.ThrowsExactly<ImageLimitExceededException>(() => AnimatedImage.Decode(file));

        StringAssert.Contains(error.Message, "DecodingLimits.MaxPixelsPerFrame");
    }

    [TestMethod]
    public void Decode_PngCutAfterItsHeader_StillSaysItIsTruncated()
    {
        var png = Corpus.Read("TestImage.png");

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(png.AsSpan(0, 33)));

        Assert.AreEqual("the Png data ends inside its header (truncated file)", error.Message);
    }

    private static byte[] WithSize(byte[] png, uint width, uint height)
    {
        var copy = (byte[])png.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(16), width);
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(29), Crc32.HashToUInt32(copy.AsSpan(12, 17)));
        return copy;
    }

    private static byte[] Chunk(string type, byte[] payload)
    {
        var chunk = new byte[12 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)payload.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        payload.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + payload.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + payload.Length)));
        return chunk;
    }
}
