using ImageKit.Cli.Input;
using ImageKit.Decoding;

namespace ImageKit.Tests.Cli;

/// <summary>
/// The JPEG end check walks the marker segments and looks for the end-of-image marker only after the first scan: the
/// bytes FF D9 inside a segment (an EXIF thumbnail's own end marker) end nothing, and inside a scan FF 00 (a stuffed
/// byte) and FF D0–D7 (restart markers) are data.
/// </summary>
[TestClass]
public sealed class ContainerEndJpegTests
{
    private static readonly byte[] s_start = [0xFF, 0xD8];
    private static readonly byte[] s_app1WithEndMarker = [0xFF, 0xE1, 0x00, 0x08, 0xFF, 0xD8, 0x01, 0x02, 0xFF, 0xD9];
    private static readonly byte[] s_tables = [0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00];
    private static readonly byte[] s_scanHeader = [0xFF, 0xDA, 0x00, 0x04, 0x01, 0x00];
    private static readonly byte[] s_entropyData = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD1, 0x78];
    private static readonly byte[] s_end = [0xFF, 0xD9];

    [TestMethod]
    public void FindTruncation_CompleteJpeg_ReturnsNull()
    {
        byte[] jpeg = [.. s_start, .. s_app1WithEndMarker, .. s_tables, .. s_scanHeader, .. s_entropyData, .. s_tables, .. s_scanHeader, .. s_entropyData, .. s_end];

        Assert.IsNull(ContainerEnd.FindTruncation(jpeg, ImageFormat.Jpeg, 1));
    }

    [TestMethod]
    public void FindTruncation_JpegCutInsideItsSecondScan_NamesTheScan()
    {
        byte[] jpeg = [.. s_start, .. s_app1WithEndMarker, .. s_tables, .. s_scanHeader, .. s_entropyData, .. s_tables, .. s_scanHeader, .. s_entropyData];

        Assert.AreEqual(
            "the data ends before the end of the JPEG file (it ends inside scan 2 of the image data at byte 41; truncated file)",
            ContainerEnd.FindTruncation(jpeg, ImageFormat.Jpeg, 1));
    }

    [TestMethod]
    public void FindTruncation_JpegCutInsideASegment_NamesTheSegment()
    {
        byte[] jpeg = [.. s_start, .. s_app1WithEndMarker[..^1]];

        Assert.AreEqual(
            "the data ends before the end of the JPEG file (it ends inside the APP1 segment at byte 2; truncated file)",
            ContainerEnd.FindTruncation(jpeg, ImageFormat.Jpeg, 1));
    }

    [TestMethod]
    public void FindTruncation_JpegEndingAfterItsSegmentsWithoutAnEndMarker_SaysSo()
    {
        byte[] jpeg = [.. s_start, .. s_app1WithEndMarker, .. s_tables, .. s_scanHeader, .. s_entropyData, .. s_tables];

        Assert.AreEqual(
            "the data ends before the end of the JPEG file (no end-of-image marker; truncated file)",
            ContainerEnd.FindTruncation(jpeg, ImageFormat.Jpeg, 1));
    }
}
