using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>A path whose folder is a file, not a folder: the line says which file is in the way.</summary>
[TestClass]
public sealed class FolderUnderAFileTests
{
    // The line said "the folder …/afile does not exist", of a path that exists (as a file).
    [TestMethod]
    [DataRow("afile/sheet.png")]
    [DataRow("afile/sub/sheet.png")]
    public async Task Play_ContactSheetInAFolderThatIsAFile_SaysItIsAFile(string relative)
    {
        using var folder = new TempFolder();
        var file = folder.Combine("afile");
        await File.WriteAllTextAsync(file, "x");
        var sheet = Path.Combine(folder.Path, relative);

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--seconds", "0.3", "--no-render", "--contact-sheet", sheet);

        result.AssertBadInput(sheet, $"{file} is a file, not a folder");
        Assert.AreEqual("x", await File.ReadAllTextAsync(file), "the file is left as it was");
    }

    // The line was .NET's "Could not find a part of the path '…/afile/frames'.", of a path whose start exists.
    [TestMethod]
    public async Task Inspect_FramesFolderUnderAFile_SaysItIsAFile()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("afile");
        await File.WriteAllTextAsync(file, "x");
        var frames = Path.Combine(file, "frames");

        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("animated-red-blue.gif"), "--frames-dir", frames);

        result.AssertBadInput(frames, $"{file} is a file, not a folder");
    }

    // The line was "cannot open the disk cache: Could not find a part of the path '…/afile/cache'.".
    [TestMethod]
    public async Task Fetch_CacheFolderUnderAFile_SaysItIsAFile()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("afile");
        await File.WriteAllTextAsync(file, "x");
        var cache = Path.Combine(file, "cache");

        var result = await CliRunner.RunAsync("fetch", new Uri(Corpus.PathOf("animated-red-blue.gif")).AbsoluteUri, "--cache-dir", cache);

        result.AssertBadInput(cache, $"{file} is a file, not a folder");
    }

    // The line said "no disk cache at …/afile/cache: the folder does not exist", as if afile were missing too.
    [TestMethod]
    [DataRow("stats")]
    [DataRow("clear")]
    [DataRow("trim")]
    public async Task Cache_FolderUnderAFile_SaysItIsAFile(string command)
    {
        using var folder = new TempFolder();
        var file = folder.Combine("afile");
        await File.WriteAllTextAsync(file, "x");
        var cache = Path.Combine(file, "cache");

        var result = await CliRunner.RunAsync("cache", command, "--cache-dir", cache);

        result.AssertBadInput(cache, $"{file} is a file, not a folder");
    }
}
