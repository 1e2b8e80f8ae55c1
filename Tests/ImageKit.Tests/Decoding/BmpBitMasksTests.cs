using System.Buffers.Binary;
using ImageKit.Decoding;
using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Decoding;

/// <summary>
/// BMPs that declare their own channel masks. Skia decodes a mask with a gap in it to colours nobody meant and prints
/// "Warning: Bit mask is not continuous." to the process's stderr; ImageKit refuses such a mask first, as Chromium does.
/// </summary>
[TestClass]
public sealed class BmpBitMasksTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Decode_BmpWhoseRedMaskHasAGap_ThrowsImageDecodingExceptionNamingTheMask()
    {
        var bmp = Bmp(40, 32, compression: 3, masks: [0x00F0F000, 0x00000F0F, 0xF0000000], pixel: 0x00FF00FF);

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(bmp));

        StringAssert.Contains(error.Message, "red channel mask 0x00F0F000 is not one contiguous run of bits");
    }

    [TestMethod]
    public void Decode_V5BmpWhoseAlphaMaskHasAGap_ThrowsImageDecodingException()
    {
        var bmp = Bmp(124, 32, compression: 3, masks: [0x00FF0000, 0x0000FF00, 0x000000FF, 0x81000000], pixel: 0xFF0000FF);

        var error = Assert.ThrowsExactly<ImageDecodingException>(() => AnimatedImage.Decode(bmp));

        StringAssert.Contains(error.Message, "alpha channel mask 0x81000000");
    }

    [TestMethod]
    public void Decode_Rgb565BitFieldsBmp_DecodesItsColours()
    {
        var bmp = Bmp(40, 16, compression: 3, masks: [0xF800, 0x07E0, 0x001F], pixel: 0xF800);

        using var image = AnimatedImage.Decode(bmp);
        using var frame = image.GetFrame(0);

        AssertEveryPixel(frame, blue: 0, green: 0, red: 255);
    }

    /// <summary>Bits beyond the pixel's depth are cut off before the check, as Skia cuts them before decoding.</summary>
    [TestMethod]
    public void Decode_16BitMaskWithStrayBitsAboveThePixel_IsCutToThePixelAndDecodes()
    {
        var bmp = Bmp(40, 16, compression: 3, masks: [0x0F00F800, 0x07E0, 0x001F], pixel: 0x001F);

        using var image = AnimatedImage.Decode(bmp);
        using var frame = image.GetFrame(0);

        AssertEveryPixel(frame, blue: 255, green: 0, red: 0);
    }

    /// <summary>Run as its own process, so that anything Skia writes to the real stderr shows.</summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task InspectInItsOwnProcess_BmpWhoseMaskHasAGap_OneLineOnStderrAndExitCode2()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "gap.bmp");
        await File.WriteAllBytesAsync(path, Bmp(40, 32, compression: 3, masks: [0x00F0F000, 0x00000F0F, 0xF0000000], pixel: 0x00FF00FF), TestContext.CancellationToken);
        var cli = Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll");

        var result = await DotnetCli.RunAsync(DotnetCli.Executable, [cli, "inspect", path], TimeSpan.FromSeconds(100), cancellationToken: TestContext.CancellationToken);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual(string.Empty, result.Stdout, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, result.ToString());
        StringAssert.StartsWith(lines[0], "imagekit: ");
        StringAssert.Contains(lines[0], "not one contiguous run of bits");
    }

    private static void AssertEveryPixel(ImageFrame frame, byte blue, byte green, byte red)
    {
        var pixels = new byte[frame.ByteCount];
        frame.CopyPixelsTo(pixels);
        for (var i = 0; i < pixels.Length; i += 4)
        {
            CollectionAssert.AreEqual(new byte[] { blue, green, red, 255 }, pixels[i..(i + 4)], $"pixel {i / 4}");
        }
    }

    /// <summary>A 4×4 BMP of one repeated pixel value, with the masks where the header size puts them.</summary>
    private static byte[] Bmp(int headerBytes, int bitsPerPixel, uint compression, uint[] masks, uint pixel)
    {
        const int width = 4, height = 4;
        var rowBytes = ((width * bitsPerPixel / 8) + 3) & ~3;
        var masksAfterHeader = headerBytes == 40 ? masks.Length * 4 : 0;
        var pixelsAt = 14 + headerBytes + masksAfterHeader;
        var file = new byte[pixelsAt + (rowBytes * height)];
        "BM"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(2), (uint)file.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(10), (uint)pixelsAt);
        var dib = file.AsSpan(14);
        BinaryPrimitives.WriteUInt32LittleEndian(dib, (uint)headerBytes);
        BinaryPrimitives.WriteInt32LittleEndian(dib[4..], width);
        BinaryPrimitives.WriteInt32LittleEndian(dib[8..], height);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[14..], (ushort)bitsPerPixel);
        BinaryPrimitives.WriteUInt32LittleEndian(dib[16..], compression);
        BinaryPrimitives.WriteUInt32LittleEndian(dib[20..], (uint)(rowBytes * height));
        for (var i = 0; i < masks.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(dib[(40 + (i * 4))..], masks[i]);
        }

        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = pixelsAt + (y * rowBytes) + (x * bitsPerPixel / 8);
                for (var b = 0; b < bitsPerPixel / 8; b++)
                {
                    file[at + b] = (byte)(pixel >> (8 * b));
                }
            }
        }

        return file;
    }
}
