using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// <c>inspect --frames-dir</c> refuses to write a frame over the image being inspected, as <c>play</c> refuses the
/// contact sheet there: the animation would be replaced by one of its own frames.
/// </summary>
[TestClass]
public sealed class InspectFramesOverInputTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Inspect_FramesDirWhereAFrameFileIsTheInput_ExitsWith2AndKeepsTheInput()
    {
        using var folder = new TempFolder();
        var input = folder.Combine("frame-0001.png"); // an animation of 4 frames: frame 1 would be written here
        var original = Corpus.Read("animated-red-blue.apng");
        await File.WriteAllBytesAsync(input, original, TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("inspect", input, "--frames-dir", folder.Path);

        result.AssertBadInput(input, "the image being inspected");
        CollectionAssert.AreEqual(original, await File.ReadAllBytesAsync(input, TestContext.CancellationToken));
        CollectionAssert.AreEqual(new[] { input }, Directory.GetFiles(folder.Path));
    }
}
