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

    [TestMethod]
    [DataRow("animated-red-blue.gif")]
    [DataRow("animated-red-blue.apng")]
    [DataRow("TestImageAnimated.webp")]
    [DataRow("TestImage.png")]
    [DataRow("TestImage.jpg")]
    public async Task Inspect_CompleteFileWithBytesAfterItsEnd_IsNotCalledTruncated(string file)
    {
        using var folder = new TempFolder();
        var path = folder.Combine("padded-" + file);
        await File.WriteAllBytesAsync(path, [.. Corpus.Read(file), 0, 0, 0, 0], TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("inspect", path);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
    }
}
