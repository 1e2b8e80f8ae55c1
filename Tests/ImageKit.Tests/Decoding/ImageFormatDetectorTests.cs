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
    public void DescribeUnrecognized_Empty_SaysEmpty() =>
        StringAssert.Contains(ImageFormatDetector.DescribeUnrecognized([]), "empty");
}
