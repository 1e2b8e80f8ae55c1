using System.Text.Json;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// <c>play</c> stops with "no frame could be decoded" only when the frames do not decode: a whole loop can pass before the
/// first frame is shown also when the loop is shorter than decoding one frame (a large canvas, short delays, a high rate).
/// </summary>
[TestClass]
public sealed class PlaySlowFirstFrameTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Play_GoodAnimationWhoseLoopIsShorterThanAFrameDecode_PlaysAndExits0()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("big-and-fast.png");

        // 2000 x 2000, two frames of 20 ms: a 40 ms loop, while inflating and compositing one frame takes longer.
        var frame = new ApngBuilder.Frame(0, 0, 2000, 2000, DelayNumerator: 2, DelayDenominator: 100);
        var apng = new ApngBuilder(2000, 2000).Add(frame, 0x1080F0FFu).Add(frame, 0xF08010FFu).Build();
        await File.WriteAllBytesAsync(path, apng, TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("play", path, "--seconds", "2", "--stats-json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.AreEqual(string.Empty, result.Stderr);
        using var stats = JsonDocument.Parse(result.Stdout);
        Assert.IsGreaterThanOrEqualTo(1L, stats.RootElement.GetProperty("framesShown").GetInt64(), result.Stdout);
    }
}
