using System.Text.Json;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

[TestClass]
public sealed class GlobalDiagnosticsOptionsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Fetch_VerboseJson_LogsToStderrAndKeepsStdoutJson()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        using var cache = new TempFolder();

        var result = await CliRunner.RunAsync("--verbose", "fetch", server.Image("TestImage.gif").ToString(), "--cache-dir", cache.Path, "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        using (JsonDocument.Parse(result.Stdout))
        {
        }

        Assert.DoesNotContain("ImageKit.", result.Stdout);
        Assert.Contains("dbug: ImageKit.ImageManager[1001] Loading ", result.Stderr);
        Assert.Contains("dbug: ImageKit.ImageDownloader[2002] Downloaded ", result.Stderr);
        Assert.Contains("dbug: ImageKit.ImageManager[1002] ", result.Stderr);
    }

    [TestMethod]
    public async Task Fetch_WithoutVerbose_WritesNothingToStderr()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        using var cache = new TempFolder();

        var result = await CliRunner.RunAsync("fetch", server.Image("TestImage.gif").ToString(), "--cache-dir", cache.Path, "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.AreEqual(string.Empty, result.Stderr);
    }

    [TestMethod]
    public async Task Fetch_MetricsAfterSubcommand_PrintsThisRunsTotalsToStderr()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        using var cache = new TempFolder();
        var url = server.Image("TestImage.gif").ToString();

        var result = await CliRunner.RunAsync("fetch", url, url, "--cache-dir", cache.Path, "--concurrency", "1", "--json", "--metrics");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        using (JsonDocument.Parse(result.Stdout))
        {
        }

        var lines = result.StderrLines.Select(l => l.TrimEnd('\r')).ToArray();
        Assert.AreEqual("imagekit metrics:", lines[0]);
        CollectionAssert.Contains(lines, "  imagekit.loads{imagekit.load.outcome=success,imagekit.load.source=network} 1 {load}");
        CollectionAssert.Contains(lines, "  imagekit.loads{imagekit.load.outcome=success,imagekit.load.source=memory} 1 {load}");
        CollectionAssert.Contains(lines, $"  imagekit.download.bytes {Corpus.Read("TestImage.gif").Length} By");
        CollectionAssert.Contains(lines, "  imagekit.cache.hits{imagekit.cache.tier=memory} 1 {lookup}");
        Assert.IsTrue(lines.Any(l => l.StartsWith("  imagekit.download.duration{imagekit.download.outcome=success} count 1, sum ", StringComparison.Ordinal)), result.Stderr);
    }

    // README: --verbose "logs what the pipeline does (loads, downloads, retries, circuit breaks, trims)", on any command.
    [TestMethod]
    public async Task CacheTrim_Verbose_LogsTheTrimToStderrAndKeepsStdoutJson()
    {
        using var cache = new TempFolder();
        var anHourAgo = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        using (var disk = new ImageKit.Caching.DiskImageCache(new ImageKit.Caching.DiskImageCacheOptions { Directory = cache.Path, TimeProvider = anHourAgo }))
        {
            await disk.SetAsync("k", new byte[100], null, TestContext.CancellationToken);
        }

        var result = await CliRunner.RunAsync("--verbose", "cache", "trim", "--cache-dir", cache.Path, "--max-age", "0.001", "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.AreEqual("{\"expiredRemoved\":1,\"sizeRemoved\":0,\"bytesFreed\":100,\"entries\":0,\"bytes\":0}\n", result.Stdout);
        Assert.Contains("info: ImageKit.Caching[3001] Disk cache ", result.Stderr);
    }
}
