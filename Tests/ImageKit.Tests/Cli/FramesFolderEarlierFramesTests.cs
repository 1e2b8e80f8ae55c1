using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A frames folder that holds an earlier, longer animation's frames holds exactly the new animation's frames afterwards,
/// and every file not named as the CLI names frames is left alone.
/// </summary>
[TestClass]
public sealed class FramesFolderEarlierFramesTests
{
    private const int OldFrames = 12;
    private static readonly string[] s_userFiles = ["notes.txt", "frame-12.png", "frame-0001.png.bak", "my-frame-0010.png", "frame-00011.png", "frame--001.png"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Inspect_FramesDirHoldingALongerAnimationsFrames_HoldsOnlyTheNewFramesAndTheUsersFiles()
    {
        using var folder = new TempFolder();
        FillWithOldFramesAndUserFiles(folder.Path);
        Directory.CreateDirectory(folder.Combine("frame-0020.png")); // a folder named as a frame is the user's too

        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("any-disposal.gif"), "--frames-dir", folder.Path, "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var count = FrameCount(result.Stdout);
        Assert.IsLessThan(OldFrames, count, "the test needs an animation shorter than the old one");
        var expected = Enumerable.Range(0, count).Select(i => $"frame-{i:D4}.png").Concat(s_userFiles).Append("frame-0020.png");
        CollectionAssert.AreEquivalent(expected.ToArray(), Entries(folder.Path), "the folder mixes two animations, or lost a user's file");
        foreach (var name in s_userFiles)
        {
            Assert.AreEqual("the user's", await File.ReadAllTextAsync(folder.Combine(name), TestContext.CancellationToken), name);
        }

        for (var i = 0; i < count; i++)
        {
            Assert.AreNotEqual("old", await File.ReadAllTextAsync(folder.Combine($"frame-{i:D4}.png"), TestContext.CancellationToken), $"frame {i} not replaced");
        }
    }

    [TestMethod]
    public async Task Inspect_BadInputOnAFolderOfALongerAnimation_LeavesEveryOldFrame()
    {
        // Nothing is removed before the new frames are all in place: a failed run leaves the folder as it was.
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", "truncated-animation.apng");
        using var folder = new TempFolder();
        FillWithOldFramesAndUserFiles(folder.Path);
        var before = Entries(folder.Path);

        var result = await CliRunner.RunAsync("inspect", path, "--frames-dir", folder.Path);

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        CollectionAssert.AreEquivalent(before, Entries(folder.Path));
        Assert.AreEqual("old", await File.ReadAllTextAsync(folder.Combine("frame-0011.png"), TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Inspect_InputIsAnOldFrameFileOfTheFramesDir_KeepsTheInput()
    {
        // The image being inspected is named as an old frame beyond the new animation's end: it is the user's input, not
        // an earlier run's leftover.
        using var folder = new TempFolder();
        var input = folder.Combine("frame-0011.png");
        var bytes = Corpus.Read("any-disposal.gif");
        await File.WriteAllBytesAsync(input, bytes, TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("inspect", input, "--frames-dir", folder.Path);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(input, TestContext.CancellationToken), "the input was removed or changed");
    }

    private static void FillWithOldFramesAndUserFiles(string folder)
    {
        for (var i = 0; i < OldFrames; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"frame-{i:D4}.png"), "old");
        }

        foreach (var name in s_userFiles)
        {
            File.WriteAllText(Path.Combine(folder, name), "the user's");
        }
    }

    private static string[] Entries(string folder) => [.. Directory.GetFileSystemEntries(folder).Select(e => Path.GetFileName(e)!)];

    private static int FrameCount(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty("frameCount").GetInt32();
    }
}
