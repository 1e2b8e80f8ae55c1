using ImageKit.Animation;
using ImageKit.Cli.Commands;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// <c>imagekit play</c> interrupted (Ctrl-C, SIGTERM) still reports what it showed, a still image as an animation: the
/// statistics come back (printed, then exit 130), where a still waiting for its one frame threw the interruption and
/// printed nothing.
/// </summary>
[TestClass]
public sealed class PlayStillInterruptedTests
{
    [TestMethod]
    [DataRow("TestImage.png")]
    [DataRow("animated-red-blue.gif")]
    public async Task PlayAsync_InterruptedBeforeTheFirstFrameWithoutAContactSheet_ReturnsTheStatistics(string file)
    {
        using var image = AnimatedImage.Load(Corpus.PathOf(file));
        var settings = new PlayCommand.PlaySettings(Loops: null, Rate: 1, PlaybackMode.Normal, Seconds: null, ContactSheet: null, Render: false, StatsJson: true);

        var stats = await PlayCommand.PlayAsync(image, settings, TextWriter.Null, new CancellationToken(canceled: true));

        StringAssert.StartsWith(stats.ToJson(), "{\"framesShown\":");
    }

    [TestMethod]
    public async Task PlayAsync_StillInterruptedBeforeItsFrameWithAContactSheet_ReportsTheInterruptionAsAnAnimationDoes()
    {
        using var folder = new TempFolder();
        using var image = AnimatedImage.Load(Corpus.PathOf("TestImage.png"));
        var settings = new PlayCommand.PlaySettings(Loops: null, Rate: 1, PlaybackMode.Normal, Seconds: null, new FileInfo(folder.Combine("sheet.png")), Render: false, StatsJson: false);

        await Assert.ThrowsAsync<OperationCanceledException>(() => PlayCommand.PlayAsync(image, settings, TextWriter.Null, new CancellationToken(canceled: true)));
        Assert.IsFalse(File.Exists(folder.Combine("sheet.png")));
    }
}
