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
}
