using System.Text.Json;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

/// <summary>
/// A URL given twice (as arguments, or in a list) is downloaded once: its second load is served from memory, and the
/// summary says so rather than counting two downloads where one happened.
/// </summary>
[TestClass]
public sealed class FetchDuplicateUrlTests
{
    private string _cacheDir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-fetch-dup-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    [TestMethod]
    public async Task Fetch_SameUrlTwice_CountsOneDownloadAndOneMemoryHit()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var gif = server.Image("TestImage.gif").ToString();
        var png = server.Image("TestImage.png").ToString();

        var result = await CliRunner.RunAsync("fetch", gif, png, gif, "--cache-dir", _cacheDir, "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var results = json.RootElement.GetProperty("results");
        Assert.AreEqual(3, results.GetArrayLength(), "one result per URL given, in their order");
        CollectionAssert.AreEqual(new[] { gif, png, gif }, results.EnumerateArray().Select(r => r.GetProperty("url").GetString()).ToArray());
        CollectionAssert.AreEqual(new[] { "network", "network", "memory" }, results.EnumerateArray().Select(r => r.GetProperty("source").GetString()).ToArray(), result.Stdout);
        Assert.AreEqual(results[0].GetProperty("bytes").GetInt64(), results[2].GetProperty("bytes").GetInt64(), "the memory hit is the same image");
        var summary = json.RootElement.GetProperty("summary");
        Assert.AreEqual(2, summary.GetProperty("network").GetInt32(), result.Stdout);
        Assert.AreEqual(1, summary.GetProperty("memory").GetInt32(), result.Stdout);
        Assert.AreEqual(1, server.ImageHits("TestImage.gif"));
    }

    [TestMethod]
    public async Task Fetch_ListWithAUrlTwice_SaysOneDownloadedAndOneFromMemory()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var gif = server.Image("TestImage.gif").ToString();
        var list = Path.Combine(_cacheDir, "urls.txt");
        await File.WriteAllLinesAsync(list, [gif, gif], TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", Path.Combine(_cacheDir, "c"));

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, ": 1 from memory, 0 from disk, 1 downloaded, 0 failed; ", result.Stdout);
    }
}
