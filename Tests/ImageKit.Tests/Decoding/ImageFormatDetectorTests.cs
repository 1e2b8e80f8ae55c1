using ImageKit.Decoding;

namespace ImageKit.Tests.Decoding;

[TestClass]
public sealed class ImageFormatDetectorTests
{
    [TestMethod]
    [DataRow(new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a' }, ImageFormat.Gif)]
    [DataRow(new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'7', (byte)'a' }, ImageFormat.Gif)]
    [DataRow(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, ImageFormat.Jpeg)]
    [DataRow(new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F', 0, 0, 0, 0, (byte)'W', (byte)'E', (byte)'B', (byte)'P' }, ImageFormat.WebP)]
    [DataRow(new byte[] { 0, 0, 1, 0, 1, 0 }, ImageFormat.Ico)]
    [DataRow(new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'8', (byte)'a' }, ImageFormat.Unknown)]
    [DataRow(new byte[] { 0, 0, 1, 0, 0, 0 }, ImageFormat.Unknown)]
    [DataRow(new byte[0], ImageFormat.Unknown)]
    public void Detect_MagicBytes_ReturnsFormat(byte[] data, ImageFormat expected) =>
        Assert.AreEqual(expected, ImageFormatDetector.Detect(data));

    [TestMethod]
    public void Detect_BmpHeader_ReturnsBmp()
    {
        var header = new byte[18];
        header[0] = (byte)'B';
        header[1] = (byte)'M';
        header[14] = 40;
        Assert.AreEqual(ImageFormat.Bmp, ImageFormatDetector.Detect(header));
    }

    [TestMethod]
    public void Detect_TextStartingWithBM_ReturnsUnknown() =>
        Assert.AreEqual(ImageFormat.Unknown, ImageFormatDetector.Detect("BMW is a car brand, not a bitmap"u8));

    [TestMethod]
    public void DescribeUnrecognized_HtmlPage_SaysItLooksLikeHtml()
    {
        var description = ImageFormatDetector.DescribeUnrecognized("<!DOCTYPE html><html>"u8);
        StringAssert.Contains(description, "3C 21 44 4F");
        StringAssert.Contains(description, "an HTML page");
    }

    [TestMethod]
    [DataRow(new byte[] { (byte)'I', (byte)'I', (byte)'*', 0, 8, 0, 0, 0 }, "a TIFF image (TIFF is not supported)")]
    [DataRow(new byte[] { (byte)'M', (byte)'M', 0, (byte)'*', 0, 0, 0, 8 }, "a TIFF image (TIFF is not supported)")]
    [DataRow(new byte[] { 0xFF, 0x0A, 0xFA, 0x1F }, "a JPEG XL image (JPEG XL is not supported)")]
    [DataRow(new byte[] { 0, 0, 0, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A }, "a JPEG XL image (JPEG XL is not supported)")]
    [DataRow(new byte[] { 0, 0, 0, 0x0C, (byte)'j', (byte)'P', (byte)' ', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A }, "a JPEG 2000 image (JPEG 2000 is not supported)")]
    [DataRow(new byte[] { 0xFF, 0x4F, 0xFF, 0x51, 0, 0x2F }, "a JPEG 2000 image (JPEG 2000 is not supported)")]
    [DataRow(new byte[] { (byte)'8', (byte)'B', (byte)'P', (byte)'S', 0, 1 }, "a Photoshop document (PSD is not supported)")]
    [DataRow(new byte[] { (byte)'q', (byte)'o', (byte)'i', (byte)'f', 0, 0, 0, 8 }, "a QOI image (QOI is not supported)")]
    [DataRow(new byte[] { 0x1F, 0x8B, 0x08, 0x00 }, "gzip-compressed data")]
    [DataRow(new byte[] { (byte)'P', (byte)'K', 3, 4, 20, 0 }, "a ZIP archive")]
    public void DescribeUnrecognized_AnotherImageFormatOrArchive_NamesIt(byte[] data, string named) =>
        StringAssert.Contains(ImageFormatDetector.DescribeUnrecognized(data), $"which looks like {named}");

    [TestMethod]
    public void DescribeUnrecognized_Empty_SaysEmpty() =>
        StringAssert.Contains(ImageFormatDetector.DescribeUnrecognized([]), "empty");
}
