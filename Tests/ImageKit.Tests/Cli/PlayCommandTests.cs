using System.Text.Json;
using ImageKit.Animation;
using ImageKit.Cli.Commands;
using ImageKit.Decoding;
using ImageKit.Tests.TestUtilities;
using SkiaSharp;

namespace ImageKit.Tests.Cli;

/// <summary>`imagekit play` through the real player on the real timer display link (short runs: rate 4, one loop).</summary>
[TestClass]
public sealed class PlayCommandTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly string[] s_statsFields =
        ["framesShown", "framesSkipped", "loopsCompleted", "elapsedMs", "decodeMsP50", "decodeMsP99", "bufferPeakBytes", "tickJitterMsP50", "tickJitterMsP99"];

    [TestMethod]
    public async Task Play_StatsJson_PlaysTheLoopsAndPrintsExactlyOneObject()
    {
        // animated-red-blue.gif: 4 frames, one second a loop; at rate 4 two loops take about half a second.
        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--loops", "2", "--rate", "4", "--stats-json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        CollectionAssert.AreEqual(s_statsFields, root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.AreEqual(2, root.GetProperty("loopsCompleted").GetInt32());
        Assert.AreEqual(8, root.GetProperty("framesShown").GetInt32() + root.GetProperty("framesSkipped").GetInt32());
        Assert.IsGreaterThan(0, root.GetProperty("bufferPeakBytes").GetInt64());
        Assert.IsLessThan(10_000, root.GetProperty("elapsedMs").GetInt64(), "the rate scales real time");
    }

    [TestMethod]
    public async Task Play_Seconds_StopsAnEndlessAnimationInTime()
    {
        var result = await CliRunner.RunAsync("play", Corpus.PathOf("1@2x.gif"), "--loops", "0", "--seconds", "0.5", "--stats-json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var elapsed = json.RootElement.GetProperty("elapsedMs").GetInt64();
        Assert.IsGreaterThanOrEqualTo(450, elapsed);
        Assert.IsLessThan(5_000, elapsed);
    }

    [TestMethod]
    public async Task Play_ContactSheet_WritesThePngOfTheFramesShown()
    {
        var path = Path.Combine(Path.GetTempPath(), $"imagekit-sheet-{Guid.NewGuid():N}.png");
        try
        {
            var result = await CliRunner.RunAsync(
                "play", Corpus.PathOf("animated-red-blue.gif"), "--loops", "1", "--rate", "4", "--contact-sheet", path, "--no-render");

            Assert.AreEqual(0, result.ExitCode, result.Stderr);
            StringAssert.Contains(result.Stdout, "frames shown");
            using var codec = SKCodec.Create(path);
            Assert.IsNotNull(codec, "a readable PNG");
            Assert.IsGreaterThan(64, codec.Info.Width, "a grid of several frames");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public async Task PlayAsync_InterruptedBeforeAnyFrameWithAContactSheet_ReportsTheInterruptionNotAnEmptySheet()
    {
        using var folder = new TempFolder();
        using var image = AnimatedImage.Load(Corpus.PathOf("animated-red-blue.gif"));
        var settings = new PlayCommand.PlaySettings(Loops: null, Rate: 1, PlaybackMode.Normal, Seconds: null, new FileInfo(folder.Combine("sheet.png")), Render: false, StatsJson: false);

        await Assert.ThrowsAsync<OperationCanceledException>(() => PlayCommand.PlayAsync(image, settings, TextWriter.Null, new CancellationToken(canceled: true)));
        Assert.IsFalse(File.Exists(folder.Combine("sheet.png")));
    }

    [TestMethod]
    public async Task Play_InterruptedWhilePlaying_PrintsWhatWasShownAndExits130LikeEveryCommand()
    {
        // Interrupted (Ctrl-C) as the first frame is drawn, in an endless play: the statistics and the sheet of the
        // frames shown so far are still written, but the exit code says the run was interrupted (it was 0).
        using var folder = new TempFolder();
        var sheet = folder.Combine("sheet.png");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        using var stdout = new CancelOnFirstWrite(cancel);
        using var stderr = new StringWriter();

        var exitCode = await ImageKit.Cli.CliApp.RunAsync(
            ["play", Corpus.PathOf("animated-red-blue.gif"), "--loops", "0", "--render", "--contact-sheet", sheet], stdout, stderr, cancel.Token);

        Assert.AreEqual(130, exitCode, stderr.ToString());
        Assert.AreEqual("imagekit: cancelled" + Environment.NewLine, stderr.ToString());
        StringAssert.Contains(stdout.ToString(), "frames shown");
        Assert.IsTrue(File.Exists(sheet), "the sheet of the frames shown");
    }

    [TestMethod]
    public async Task Play_ContactSheetPathIsAFolder_SaysSoInsteadOfPermissionDenied()
    {
        using var folder = new TempFolder();
        var result = await CliRunner.RunAsync(
            "play", Corpus.PathOf("animated-red-blue.gif"), "--loops", "1", "--rate", "4", "--contact-sheet", folder.Path, "--no-render");

        Assert.AreEqual(2, result.ExitCode, result.Stderr);
        Assert.HasCount(1, result.StderrLines, result.Stderr);
        StringAssert.Contains(result.StderrLines[0], "it is a folder, not a file");
    }

    [TestMethod]
    [DataRow("folder")]
    [DataRow("missing folder")]
    public async Task Play_ContactSheetThatCannotBeWritten_FailsBeforeDrawingAFrame(string where)
    {
        using var folder = new TempFolder();
        var (path, reason) = where == "folder"
            ? (folder.Path, "it is a folder, not a file")
            : (folder.Combine("missing", "sheet.png"), "does not exist");

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--loops", "1", "--contact-sheet", path, "--render");

        result.AssertBadInput(path, reason);
    }

    [TestMethod]
    public async Task Play_ContactSheetOverAnExistingFile_ReplacesItAndLeavesNoTemporaryFile()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("sheet.png");
        await File.WriteAllTextAsync(path, "an older sheet", TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--loops", "1", "--rate", "4", "--contact-sheet", path, "--no-render");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        using var codec = SKCodec.Create(path);
        Assert.IsNotNull(codec, "the new sheet, a readable PNG");
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(folder.Path));
    }

    [TestMethod]
    public async Task Play_RedirectedOutput_DrawsNothing()
    {
        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--loops", "1", "--rate", "4");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.IsFalse(result.Stdout.Contains('\e'), "no terminal drawing when stdout is not a terminal");
    }

    [TestMethod]
    public async Task Play_Render_DrawsHalfBlocksWithTrueColour()
    {
        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), "--loops", "1", "--rate", "4", "--render");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "\u2580");
        StringAssert.Contains(result.Stdout, "\e[38;2;");
    }

    [TestMethod]
    [DataRow("--rate", "-1", "--rate")]
    [DataRow("--rate", "0", "--rate")]
    [DataRow("--rate", "1000", "--rate")]
    [DataRow("--seconds", "0", "--seconds")]
    [DataRow("--seconds", "1e20", "--seconds")] // beyond what a timer takes: once an unhandled OverflowException
    [DataRow("--loops", "-2", "--loops")]
    [DataRow("--mode", "sideways", "sideways")]
    public async Task Play_BadOption_ExitsWith2AndOneLine(string option, string value, string expected)
    {
        var result = await CliRunner.RunAsync("play", Corpus.PathOf("animated-red-blue.gif"), option, value);
        result.AssertBadInput(expected, expected);
    }

    [TestMethod]
    public async Task Play_CorruptFile_ExitsWith2AndOneLine()
    {
        var result = await CliRunner.RunAsync("play", Corpus.PathOf("empty.png"));
        result.AssertBadInput("empty.png", "empty");
    }

    [TestMethod]
    public async Task Play_AnimationWhoseFramesAllFailToDecode_ExitsWith2AndTheDecodersError()
    {
        // Four frames whose data is all invalid: playing used to skip every frame and exit 0 (or loop for ever).
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "damaged", "undecodable-animation.gif");

        var result = await CliRunner.RunAsync("play", path, "--stats-json");

        result.AssertBadInput("undecodable-animation.gif", "frame 0: the frame's data is corrupt");
    }

    /// <summary>Collects what is written, and cancels the run the first time anything is.</summary>
    private sealed class CancelOnFirstWrite(CancellationTokenSource cancel) : StringWriter
    {
        public override void Write(char value)
        {
            base.Write(value);
            cancel.Cancel();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            cancel.Cancel();
        }

        public override void Write(char[] buffer, int index, int count)
        {
            base.Write(buffer, index, count);
            cancel.Cancel();
        }
    }
}
