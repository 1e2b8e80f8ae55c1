using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

[TestClass]
public sealed class DemoCommandTests
{
    public TestContext TestContext { get; set; } = null!;

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
            Assert.AreEqual(6, CountLines(stages, "6. Round 48-pixel avatars", " disk     48 x 48 "), result.Stdout);
            StringAssert.Contains(result.Stdout, "6 variants; HTTP requests to the server: 0");
            StringAssert.Contains(result.Stdout, "earth.gif     disk     48 x 48   44 frames", "an animation stays animated");
            StringAssert.Contains(result.Stdout, "HTTP requests to the server: 6");
            StringAssert.Contains(result.Stdout, "earth.apng   44 frames, max difference   0");
            StringAssert.Contains(result.Stdout, "disk cache now holds 6 entries");
            StringAssert.Contains(result.Stdout, "loops completed  2");

            // Six memory hits take well under a millisecond: the time says so rather than "0 ms".
            var memoryTime = stages.Single(s => s.StartsWith("3. Same again", StringComparison.Ordinal)).Split('\n').Single(l => l.Contains(" images in ", StringComparison.Ordinal));
            var milliseconds = double.Parse(memoryTime.Split(" images in ")[1].Split(" ms;")[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsGreaterThan(0.0, milliseconds, memoryTime);

            using var contactSheet = ImageKit.Decoding.AnimatedImage.Load(sheet);
            Assert.AreEqual(ImageKit.Decoding.ImageFormat.Png, contactSheet.Format);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [TestMethod]
    public async Task Demo_ContactSheetInAFolderThatDoesNotExist_FailsBeforeLoadingAnything()
    {
        using var folder = new TempFolder();
        var sheet = folder.Combine("missing", "sheet.png");

        var result = await CliRunner.RunAsync("demo", "--cache-dir", folder.Combine("cache"), "--contact-sheet", sheet);

        result.AssertBadInput(sheet, "does not exist");
        Assert.IsFalse(Directory.Exists(folder.Combine("cache")), "nothing was loaded or cached");
    }

    // A first load that fails because the cache cannot take a sample (a full disk, here a folder where its file goes)
    // was reported as "the demo's own server failed to deliver its samples": the server had delivered it.
    [TestMethod]
    public async Task Demo_DiskCacheThatCannotStoreASample_SaysWhichSampleAndWhyWithoutBlamingTheServer()
    {
        using var folder = new TempFolder();
        var cache = folder.Combine("cache");
        using (var made = new ImageKit.Caching.DiskImageCache(new ImageKit.Caching.DiskImageCacheOptions { Directory = cache }))
        {
            await made.SweepAsync(TestContext.CancellationToken); // the sweep a new cache makes, so that the demo's open makes none
        }

        // earth.gif (239 KB) gets a file of its own; a file where its fan-out folder belongs keeps it from being written
        // (a sweep would remove that file: the next is due a day later).
        File.WriteAllText(Path.GetDirectoryName(Caching.DiskCacheTestHelpers.BlobPath(cache, "imagekit-demo:/samples/earth.gif"))!, "in the way");

        var result = await CliRunner.RunAsync("demo", "--cache-dir", cache, "--contact-sheet", folder.Combine("sheet.png"));

        result = result with { Stdout = string.Empty }; // the first stage's table was printed before the failure
        result.AssertBadInput("/samples/earth.gif", "the demo could not load its own sample: cannot write to the disk cache");
        Assert.DoesNotContain("server failed", result.Stderr);
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

    [TestMethod]
    public async Task Demo_SecondRunOnTheSameCacheFolder_SaysTheFirstLoadCameFromDiskNotTheNetwork()
    {
        var work = Directory.CreateTempSubdirectory("imagekit-demo-test-").FullName;
        try
        {
            var cache = Path.Combine(work, "cache");
            var first = await CliRunner.RunAsync("demo", "--cache-dir", cache, "--contact-sheet", Path.Combine(work, "a.png"));
            Assert.AreEqual(0, first.ExitCode, first.Stderr);
            StringAssert.Contains(first.Stdout, "1. First load: network → decode → disk and memory caches");
            StringAssert.Contains(first.Stdout, "Done: 6 downloaded, then 6 memory hits, then 6 disk hits after a restart.");

            var second = await CliRunner.RunAsync("demo", "--cache-dir", cache, "--contact-sheet", Path.Combine(work, "b.png"));

            Assert.AreEqual(0, second.ExitCode, second.Stderr);
            var stage1 = second.Stdout.Split("\n\n").Single(s => s.StartsWith("1. First load", StringComparison.Ordinal));
            StringAssert.StartsWith(stage1, "1. First load: disk cache (kept from an earlier run) → decode → memory cache\n");
            StringAssert.Contains(second.Stdout, "Done: 6 from disk (kept from an earlier run), then 6 memory hits, then 6 disk hits after a restart.");
            Assert.DoesNotContain("downloaded", second.Stdout, second.Stdout);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static int CountLines(string[] stages, string title, string source) =>
        stages.Single(s => s.StartsWith(title, StringComparison.Ordinal)).Split('\n').Count(l => l.Contains(source, StringComparison.Ordinal) && l.EndsWith(" frames", StringComparison.Ordinal));

    /// <summary>Its own process: the temporary folder comes from the environment ($TMPDIR on Unix, TMP on Windows).</summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Demo_TemporaryFolderMissing_ExitsWith2AndSaysHowToGoOn()
    {
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "no-such-folder");
        var cli = Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll");
        var environment = new Dictionary<string, string> { ["TMPDIR"] = missing, ["TMP"] = missing, ["TEMP"] = missing };

        // Directory.CreateTempSubdirectory's FileNotFoundException once ended the process (exit 134).
        var result = await DotnetCli.RunAsync(DotnetCli.Executable, [cli, "demo"], TimeSpan.FromSeconds(100), environment, TestContext.CancellationToken);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, result.ToString());
        StringAssert.Contains(lines[0], "cannot create the demo's work folder");
        StringAssert.Contains(lines[0], "--cache-dir");
    }
}
