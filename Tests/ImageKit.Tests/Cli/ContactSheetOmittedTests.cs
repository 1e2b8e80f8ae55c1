using System.Text.Json;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A contact sheet keeps at most 400 frames: when more were shown, the output says how many were left out instead of
/// passing a sheet of the first 400 off as the frames shown.
/// </summary>
[TestClass]
public sealed class ContactSheetOmittedTests
{
    // 480 one-pixel frames of 100 ms each; at rate 5 a frame lasts 20 ms, more than a 60 Hz tick, so nearly all are shown
    // (a few may be skipped on a busy machine: the test needs only more than 400) in about ten seconds.
    private const int Frames = 480;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Play_MoreFramesShownThanTheSheetKeeps_SaysHowManyWereLeftOut(bool statsJson)
    {
        using var folder = new TempFolder();
        var gif = folder.Combine("many.gif");
        await File.WriteAllBytesAsync(gif, TinyFrameAnimations.Gif(Frames), TestContext.CancellationToken);
        var sheet = folder.Combine("sheet.png");
        string[] args = ["play", gif, "--loops", "1", "--rate", "5", "--contact-sheet", sheet, "--no-render"];

        var result = await CliRunner.RunAsync(statsJson ? [.. args, "--stats-json"] : args);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.IsTrue(File.Exists(sheet));
        if (statsJson)
        {
            using var json = JsonDocument.Parse(result.Stdout);
            var shown = json.RootElement.GetProperty("framesShown").GetInt32();
            Assert.IsGreaterThan(400, shown, "the run must show more frames than the sheet keeps");
            Assert.AreEqual(400, json.RootElement.GetProperty("contactSheetFrames").GetInt32());
            Assert.AreEqual(shown - 400, json.RootElement.GetProperty("contactSheetOmitted").GetInt32());
        }
        else
        {
            var shownLine = result.Stdout.Split('\n').Single(l => l.StartsWith("frames shown", StringComparison.Ordinal));
            var shown = int.Parse(shownLine["frames shown".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsGreaterThan(400, shown, "the run must show more frames than the sheet keeps");
            StringAssert.Contains(result.Stdout, $"contact sheet    the first 400 frames shown; {shown - 400} more left out");
        }
    }
}
