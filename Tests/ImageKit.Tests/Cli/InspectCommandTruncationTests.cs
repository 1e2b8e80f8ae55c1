using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A file that ends before its container does is bad input for <c>inspect</c>, in every format: the decoders read it as
/// far as it goes (an APNG or animated WebP just has fewer frames), but inspect's job is to say what is in the file.
/// </summary>
[TestClass]
public sealed class InspectCommandTruncationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("truncated-animation.apng", "frame 2: the data ends before the frame is complete (truncated file)")]
    [DataRow("truncated-animation.webp", "frame 3: the data ends before the frame is complete (truncated file)")]
    public async Task Inspect_AnimationCutInsideAFrame_ExitsWith2AndNamesTheFrame(string file, string reason)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", file);

        (await CliRunner.RunAsync("inspect", path)).AssertBadInput(file, reason);
        (await CliRunner.RunAsync("inspect", path, "--json")).AssertBadInput(file, reason);
    }

    [TestMethod]
    [DataRow("truncated-animation.apng")]
    [DataRow("truncated-animation.webp")]
    public async Task Inspect_FramesDirOfAnAnimationCutInsideAFrame_ExitsWith2AndWritesNoFrame(string file)
    {
        // Bad input writes nothing: the frames of a file reported as truncated are not left in the folder.
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", file);
        using var folder = new TempFolder();
        var frames = folder.Combine("frames");
        File.WriteAllText(folder.Combine("kept.txt"), "an earlier file of the user's");

        var result = await CliRunner.RunAsync("inspect", path, "--frames-dir", frames);

        result.AssertBadInput(file, "the data ends before the frame is complete");
        Assert.IsFalse(Directory.Exists(frames) && Directory.EnumerateFileSystemEntries(frames).Any(), "frames were written for bad input");
        Assert.IsTrue(File.Exists(folder.Combine("kept.txt")));
    }

    [TestMethod]
    [DataRow("animated-red-blue.gif", 2126, "the data ends before the end of the GIF file (no trailer; truncated file)")]
    [DataRow("animated-red-blue.gif", 2140, "frame 1: the data ends before the frame is complete (truncated file)")]
    [DataRow("animated-red-blue.apng", 1955, "the data ends before the end of the APNG file (no IEND chunk; truncated file)")]
    [DataRow("TestImage.png", -6, "the data ends before the end of the PNG file (it ends inside a chunk header at byte")]
    public async Task Inspect_FileCutWhereTheDecoderDoesNotNotice_ExitsWith2AndSaysItIsTruncated(string file, int length, string reason)
    {
        var bytes = Corpus.Read(file);
        using var folder = new TempFolder();
        var path = folder.Combine("cut-" + file);
        await File.WriteAllBytesAsync(path, bytes[..(length > 0 ? length : bytes.Length + length)], TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("inspect", path);

        result.AssertBadInput(path, reason);
    }

    /// <summary>
    /// A JPEG with an EXIF thumbnail holds the thumbnail's own end-of-image marker (FF D9) in its APP1 segment, before the
    /// main image. Skia shows a progressive JPEG cut after its first scan without complaint, so only the container check
    /// can tell, and it must look for the end marker after the main image's scans, not anywhere in the file.
    /// </summary>
    [TestMethod]
    [DataRow("progressive.jpeg", true)]
    [DataRow("tricky_progressive.jpeg", false)] // a camera's file, with its own EXIF thumbnail
    public async Task Inspect_JpegWithExifThumbnailCutInsideItsScans_ExitsWith2AndSaysItIsTruncated(string file, bool addThumbnail)
    {
        var bytes = addThumbnail ? ExifThumbnailJpeg.AddThumbnail(Corpus.Read(file)) : Corpus.Read(file);
        var firstScan = ExifThumbnailJpeg.StartOfScan(bytes);
        Assert.IsGreaterThanOrEqualTo(0, bytes.AsSpan(0, firstScan).IndexOf([(byte)0xFF, (byte)0xD9]), "the thumbnail's end marker comes before the image data");
        using var folder = new TempFolder();
        var whole = folder.Combine("whole-" + file);
        var cut = folder.Combine("cut-" + file);
        await File.WriteAllBytesAsync(whole, bytes, TestContext.CancellationToken);
        await File.WriteAllBytesAsync(cut, bytes[..((firstScan + bytes.Length) / 2)], TestContext.CancellationToken);

        var complete = await CliRunner.RunAsync("inspect", whole);
        var truncated = await CliRunner.RunAsync("inspect", cut);

        Assert.AreEqual(0, complete.ExitCode, complete.Stderr);
        truncated.AssertBadInput(cut, "the data ends before the end of the JPEG file (it ends inside scan ");
        StringAssert.EndsWith(truncated.StderrLines[0].TrimEnd(), $" of the image data at byte {ScanStartBefore(bytes, (firstScan + bytes.Length) / 2)}; truncated file)");
    }

    [TestMethod]
    public async Task Inspect_ProgressiveJpegWithExifThumbnailCutJustBeforeItsLastScan_ExitsWith2AndSaysItHasNoEndMarker()
    {
        var bytes = ExifThumbnailJpeg.AddThumbnail(Corpus.Read("progressive.jpeg"));
        var lastScan = bytes.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xDA]);
        using var folder = new TempFolder();
        var path = folder.Combine("cut-between-scans.jpeg");
        await File.WriteAllBytesAsync(path, bytes[..lastScan], TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("inspect", path);

        result.AssertBadInput(path, "the data ends before the end of the JPEG file (no end-of-image marker; truncated file)");
    }

    [TestMethod]
    public async Task Inspect_CompletePngWithoutImageData_SaysSoInsteadOfTruncated()
    {
        var png = Corpus.Read("TestImage.png");
        using var folder = new TempFolder();
        var path = folder.Combine("no-idat.png");
        await File.WriteAllBytesAsync(path, [.. png[..33], .. png[^12..]], TestContext.CancellationToken); // IHDR, then IEND

        var result = await CliRunner.RunAsync("inspect", path);
        var corpusFile = await CliRunner.RunAsync("inspect", Corpus.PathOf("test-corrupt.png")); // IHDR, gAMA, IEND

        result.AssertBadInput(path, "the PNG has no image data (no IDAT chunk)");
        corpusFile.AssertBadInput("test-corrupt.png", "the PNG has no image data (no IDAT chunk)");
    }

    [TestMethod]
    [DataRow("animated-red-blue.gif")]
    [DataRow("animated-red-blue.apng")]
    [DataRow("TestImageAnimated.webp")]
    [DataRow("TestImage.png")]
    [DataRow("TestImage.jpg")]
    [DataRow("tricky_progressive.jpeg")]
    public async Task Inspect_CompleteFileWithBytesAfterItsEnd_IsNotCalledTruncated(string file)
    {
        using var folder = new TempFolder();
        var path = folder.Combine("padded-" + file);
        await File.WriteAllBytesAsync(path, [.. Corpus.Read(file), 0, 0, 0, 0], TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("inspect", path);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
    }

    /// <summary>Where the scan the data ends in starts: the last start-of-scan marker before <paramref name="end"/>, as the message prints it.</summary>
    private static string ScanStartBefore(byte[] jpeg, int end) =>
        jpeg.AsSpan(0, end).LastIndexOf([(byte)0xFF, (byte)0xDA]).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
