using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>What a failed run leaves of the folders <c>--frames-dir</c> named and the run created.</summary>
[TestClass]
public sealed class FramesFolderCleanupTests
{
    [TestMethod]
    public async Task Inspect_FramesDirSeveralLevelsDeepOfATruncatedAnimation_LeavesNoFolderItCreated()
    {
        // Bad input leaves the folder as it was: not only the frames folder itself, but the folders made to reach it.
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", "truncated-animation.apng");
        using var folder = new TempFolder();
        var frames = Path.Combine(folder.Combine("new-1"), "new-2", "frames");

        var result = await CliRunner.RunAsync("inspect", path, "--frames-dir", frames);

        result.AssertBadInput("truncated-animation.apng", "the data ends before the frame is complete");
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(folder.Path), "folders left behind");
    }

    [TestMethod]
    public async Task Demo_FramesDirWhereOneFormatsFolderCannotBeMade_LeavesNoFrameOfTheOthers()
    {
        // The user's frames folder holds a file named as the WebP frames' folder: the demo fails there, after the GIF's
        // frames. What it wrote before is removed, as inspect does, rather than left beside the user's file.
        using var folder = new TempFolder();
        var frames = folder.Combine("frames");
        Directory.CreateDirectory(frames);
        File.WriteAllText(Path.Combine(frames, "webp"), "the user's file");

        var result = await CliRunner.RunAsync(
            "demo", "--cache-dir", folder.Combine("cache"), "--contact-sheet", folder.Combine("sheet.png"), "--frames-dir", frames);

        result = result with { Stdout = string.Empty }; // the stages before the failure were printed
        result.AssertBadInput(Path.Combine(frames, "webp"), "cannot write frames");
        CollectionAssert.AreEqual(new[] { "webp" }, Directory.GetFileSystemEntries(frames).Select(Path.GetFileName).ToArray(), "frames left behind");
        Assert.AreEqual("the user's file", File.ReadAllText(Path.Combine(frames, "webp")));
    }

    [TestMethod]
    public async Task Inspect_FramesDirWhereALaterFrameNameIsAFolder_ExitsWith2AndReplacesNoEarlierFrame()
    {
        // A failed run leaves the folder as it was: the frames are put in place only when all of them can be, not the
        // first ones before the one that cannot.
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.Combine("frame-0003.png"));
        File.WriteAllText(folder.Combine("frame-0000.png"), "the user's earlier frame");

        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("any-disposal.gif"), "--frames-dir", folder.Path);

        result.AssertBadInput(folder.Path, "cannot write frames");
        Assert.AreEqual("the user's earlier frame", File.ReadAllText(folder.Combine("frame-0000.png")));
        CollectionAssert.AreEquivalent(
            new[] { "frame-0000.png", "frame-0003.png" }, Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName).ToArray(), "frames left behind");
    }
}
