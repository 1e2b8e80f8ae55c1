using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

[TestClass]
public sealed class DemoCommandTests
{
    [TestMethod]
    public async Task Demo_FreshCacheFolder_DownloadsEverythingThenHitsMemoryThenDisk()
    {
        var work = Directory.CreateTempSubdirectory("imagekit-demo-test-").FullName;
        try
        {
            var cache = Path.Combine(work, "cache");
            var sheet = Path.Combine(work, "sheet.png");
            var result = await CliRunner.RunAsync("demo", "--cache-dir", cache, "--contact-sheet", sheet);

            Assert.AreEqual(0, result.ExitCode, result.Stderr);
            Assert.AreEqual(string.Empty, result.Stderr);
            var stages = result.Stdout.Split("\n\n");
            Assert.AreEqual(6, CountLines(stages, "1. First load", " network "), result.Stdout);
            Assert.AreEqual(6, CountLines(stages, "3. Same again", " memory "), result.Stdout);
            Assert.AreEqual(6, CountLines(stages, "5. A new manager", " disk "), result.Stdout);
            StringAssert.Contains(result.Stdout, "HTTP requests to the server: 6");
            StringAssert.Contains(result.Stdout, "earth.apng   44 frames, max difference   0");
            StringAssert.Contains(result.Stdout, "disk cache now holds 6 entries");
            StringAssert.Contains(result.Stdout, "loops completed  2");

            using var contactSheet = ImageKit.Decoding.AnimatedImage.Load(sheet);
            Assert.AreEqual(ImageKit.Decoding.ImageFormat.Png, contactSheet.Format);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [TestMethod]
    public async Task Demo_SecondRunOnTheSameCacheFolder_LoadsEverySampleFromDiskWithoutHttpRequests()
    {
        var work = Directory.CreateTempSubdirectory("imagekit-demo-test-").FullName;
        try
        {
            var cache = Path.Combine(work, "cache");
            var first = await CliRunner.RunAsync("demo", "--cache-dir", cache, "--contact-sheet", Path.Combine(work, "a.png"));
            Assert.AreEqual(0, first.ExitCode, first.Stderr);

            // A new loopback port this time: the samples are keyed by their path, not their URL.
            var second = await CliRunner.RunAsync("demo", "--cache-dir", cache, "--contact-sheet", Path.Combine(work, "b.png"));

            Assert.AreEqual(0, second.ExitCode, second.Stderr);
            var stages = second.Stdout.Split("\n\n");
            Assert.AreEqual(6, CountLines(stages, "1. First load", " disk "), second.Stdout);
            StringAssert.Contains(stages.Single(s => s.StartsWith("1. First load", StringComparison.Ordinal)), "HTTP requests to the server: 0");
            StringAssert.Contains(second.Stdout, "disk cache now holds 6 entries");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static int CountLines(string[] stages, string title, string source) =>
        stages.Single(s => s.StartsWith(title, StringComparison.Ordinal)).Split('\n').Count(l => l.Contains(source, StringComparison.Ordinal) && l.EndsWith(" frames", StringComparison.Ordinal));
}
