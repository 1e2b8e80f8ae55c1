using System.Text.Json;
using ImageKit.Tests.TestUtilities;

namespace ImageKit.Tests.Cli;

[TestClass]
public sealed class FetchCommandTests
{
    private string _cacheDir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateCacheDirectory() => _cacheDir = Directory.CreateTempSubdirectory("imagekit-fetch-").FullName;

    [TestCleanup]
    public void DeleteCacheDirectory() => Directory.Delete(_cacheDir, recursive: true);

    [TestMethod]
    public async Task Fetch_Json_PrintsOneObjectAndTheSecondRunComesFromDisk()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var gif = server.Image("TestImage.gif").ToString();
        var webp = server.Image("TestImageAnimated.webp").ToString();

        var first = await CliRunner.RunAsync("fetch", gif, webp, "--cache-dir", _cacheDir, "--json");
        Assert.AreEqual(0, first.ExitCode, first.Stderr);
        using (var json = JsonDocument.Parse(first.Stdout))
        {
            var results = json.RootElement.GetProperty("results");
            Assert.AreEqual(2, results.GetArrayLength());
            Assert.AreEqual(gif, results[0].GetProperty("url").GetString());
            Assert.AreEqual("network", results[0].GetProperty("source").GetString());
            Assert.AreEqual(Corpus.Read("TestImage.gif").Length, results[0].GetProperty("bytes").GetInt64());
            Assert.AreEqual(5, results[0].GetProperty("frameCount").GetInt32());
            Assert.AreEqual(JsonValueKind.Null, results[0].GetProperty("error").ValueKind);
            var summary = json.RootElement.GetProperty("summary");
            Assert.AreEqual(2, summary.GetProperty("network").GetInt32());
            Assert.AreEqual(0, summary.GetProperty("failed").GetInt32());
            Assert.IsTrue(summary.TryGetProperty("elapsedMs", out _));
            CollectionAssert.AreEqual(new[] { "memory", "disk", "network", "failed", "bytes", "elapsedMs" }, summary.EnumerateObject().Select(p => p.Name).ToArray());
        }

        var second = await CliRunner.RunAsync("fetch", gif, webp, "--cache-dir", _cacheDir, "--json");
        using var again = JsonDocument.Parse(second.Stdout);
        Assert.AreEqual(2, again.RootElement.GetProperty("summary").GetProperty("disk").GetInt32());
        Assert.AreEqual(1, server.ImageHits("TestImage.gif"));
    }

    [TestMethod]
    public async Task Fetch_OneUrlFails_ExitsWith1AndSaysWhy()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var list = Path.Combine(_cacheDir, "urls.txt");
        await File.WriteAllLinesAsync(list, ["# two URLs", server.Image("TestImage.png").ToString(), "", server.Url("/missing").ToString()], TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", Path.Combine(_cacheDir, "c"), "--json");
        Assert.AreEqual(1, result.ExitCode, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var failed = json.RootElement.GetProperty("results")[1];
        Assert.AreEqual("failed", failed.GetProperty("source").GetString());
        StringAssert.Contains(failed.GetProperty("error").GetString(), "404");
        Assert.AreEqual(1, json.RootElement.GetProperty("summary").GetProperty("failed").GetInt32());
    }

    [TestMethod]
    public async Task Fetch_WithHeader_SendsItAndWithoutItTheServersRefusalIsTheError()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.PrivateImage("TestImage.gif").ToString();

        var refused = await CliRunner.RunAsync("fetch", url, "--cache-dir", _cacheDir, "--json");
        var fetched = await CliRunner.RunAsync("fetch", url, "-H", $"authorization:  {CorpusServer.PrivateAuthorization} ", "--cache-dir", _cacheDir, "--json");

        Assert.AreEqual(1, refused.ExitCode, refused.Stderr);
        StringAssert.Contains(refused.Stdout, "401");
        Assert.AreEqual(0, fetched.ExitCode, fetched.Stderr);
        using var json = JsonDocument.Parse(fetched.Stdout);
        Assert.AreEqual("network", json.RootElement.GetProperty("results")[0].GetProperty("source").GetString());
        Assert.AreEqual(2, server.Hits("/private/TestImage.gif"));
    }

    [TestMethod]
    public async Task Fetch_Text_PrintsASummaryWithTheFailures()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var result = await CliRunner.RunAsync("fetch", server.Image("TestImage.gif").ToString(), server.Url("/html").ToString(), "--cache-dir", _cacheDir);
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stdout, "1 downloaded, 1 failed");
        StringAssert.Contains(result.Stdout, "HTML");
    }

    [TestMethod]
    public async Task Fetch_ConnectionRefused_SaysSoWithoutRepeatingTheSystemsMessage()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: the connection is refused

        var result = await CliRunner.RunAsync("fetch", $"http://127.0.0.1:{port}/a.gif", "--cache-dir", _cacheDir, "--json");

        Assert.AreEqual(1, result.ExitCode, result.Stderr);
        var error = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("results")[0].GetProperty("error").GetString()!;
        StringAssert.StartsWith(error, "the connection was refused (");
        Assert.IsLessThanOrEqualTo(1, System.Text.RegularExpressions.Regex.Count(error, "Connection refused"), error); // Linux's words; once twice
    }

    [TestMethod]
    public async Task Fetch_OneUrl_SaysUrlNotUrls()
    {
        var image = "data:image/gif;base64," + Convert.ToBase64String(Corpus.Read("TestImage.gif"));

        var result = await CliRunner.RunAsync("fetch", image, "--cache-dir", _cacheDir);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.StartsWith(result.Stdout, "1 URL in ");
        StringAssert.Contains(result.Stdout, " ms: 0 from memory, 0 from disk, 1 downloaded, 0 failed; ");
    }

    [TestMethod]
    public async Task Fetch_DataUrls_LoadTheImageTheyCarryAndNameALongFailingOneShortly()
    {
        var image = "data:image/gif;base64," + Convert.ToBase64String(Corpus.Read("TestImage.gif"));
        var notAnImage = "data:application/octet-stream;base64," + Convert.ToBase64String(new byte[30_000]);

        var result = await CliRunner.RunAsync("fetch", image, notAnImage, "--cache-dir", _cacheDir);

        Assert.AreEqual(1, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "1 downloaded, 1 failed");
        StringAssert.Contains(result.Stdout, "  failed  data:application/octet-stream;base64,AAAAAAAAAAA… (40,037 characters): ");
        Assert.IsLessThan(2_000, result.Stdout.Length, result.Stdout);
    }

    [TestMethod]
    public async Task Fetch_Json_ShowsEachUrlAsGivenNotAsUriReEscapesIt()
    {
        // Uri.ToString() shows "a%20b.gif" as "a b.gif" and "x%41" as "xA": not what was typed, nor a URL that can be pasted.
        var path = Path.Combine(_cacheDir, "a b.gif");
        File.Copy(Corpus.PathOf("animated-red-blue.gif"), path);
        var loaded = new Uri(path).AbsoluteUri;
        var missing = "file:///no/such/x%41%20y.gif";
        StringAssert.Contains(loaded, "a%20b.gif");

        var result = await CliRunner.RunAsync("fetch", loaded, missing, "--cache-dir", Path.Combine(_cacheDir, "c"), "--json");

        Assert.AreEqual(1, result.ExitCode, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        CollectionAssert.AreEqual(new[] { "results", "summary" }, json.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        var results = json.RootElement.GetProperty("results");
        Assert.AreEqual(2, results.GetArrayLength());
        foreach (var item in results.EnumerateArray())
        {
            CollectionAssert.AreEqual(new[] { "url", "source", "bytes", "frameCount", "error" }, item.EnumerateObject().Select(p => p.Name).ToArray());
        }

        Assert.AreEqual(loaded, results[0].GetProperty("url").GetString());
        Assert.AreEqual("network", results[0].GetProperty("source").GetString());
        Assert.AreEqual(JsonValueKind.Null, results[0].GetProperty("error").ValueKind);
        Assert.AreEqual(missing, results[1].GetProperty("url").GetString());
        Assert.AreEqual("failed", results[1].GetProperty("source").GetString());
        Assert.AreEqual("file not found", results[1].GetProperty("error").GetString());
        CollectionAssert.AreEqual(
            new[] { "memory", "disk", "network", "failed", "bytes", "elapsedMs" },
            json.RootElement.GetProperty("summary").EnumerateObject().Select(p => p.Name).ToArray());

        var text = await CliRunner.RunAsync("fetch", missing, "--cache-dir", Path.Combine(_cacheDir, "c"));
        StringAssert.Contains(text.Stdout, $"  failed  {missing}: file not found");
    }

    [TestMethod]
    public async Task Fetch_ListWithControlCharacters_PrintsThemEscaped()
    {
        var list = Path.Combine(_cacheDir, "urls.txt");
        await File.WriteAllTextAsync(list, "file:///no/such/\u001b[31mred.gif\n", TestContext.CancellationToken);

        var text = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", Path.Combine(_cacheDir, "c"));
        Assert.AreEqual(1, text.ExitCode, text.Stderr);
        StringAssert.Contains(text.Stdout, "\\u001B[31mred.gif: file not found");
        Assert.DoesNotContain('\u001b', text.Stdout);

        await File.WriteAllTextAsync(list, "not a url \u0007\n", TestContext.CancellationToken);
        var bad = await CliRunner.RunAsync("fetch", "--list", list, "--cache-dir", Path.Combine(_cacheDir, "c"));
        bad.AssertBadInput("not a url \\u0007", "not an absolute URL");
    }

    [TestMethod]
    [DataRow("not a url")]
    [DataRow("--concurrency", "0", "http://127.0.0.1:9/a.gif")]
    [DataRow("--list", "/nonexistent/urls.txt")]
    [DataRow()]
    public async Task Fetch_BadInput_ExitsWith2AndOneLine(params string[] args)
    {
        var result = await CliRunner.RunAsync(["fetch", "--cache-dir", _cacheDir, .. args]);
        Assert.AreEqual(2, result.ExitCode, result.Stdout + result.Stderr);
        Assert.AreEqual(string.Empty, result.Stdout);
        Assert.HasCount(1, result.StderrLines, result.Stderr);
        StringAssert.StartsWith(result.StderrLines[0], "imagekit: ");
    }

    [TestMethod]
    public async Task Fetch_CacheDirOfOtherFiles_ExitsWith2OneLineAndLeavesTheFilesAlone()
    {
        var folder = Path.Combine(_cacheDir, "pictures");
        Directory.CreateDirectory(Path.Combine(folder, "tmp"));
        File.WriteAllText(Path.Combine(folder, "holiday.jpg"), "not really a photo");
        File.WriteAllText(Path.Combine(folder, "tmp", "draft.txt"), "draft");

        var result = await CliRunner.RunAsync("fetch", "http://127.0.0.1:9/a.gif", "--cache-dir", folder);

        Assert.AreEqual(2, result.ExitCode, result.Stdout + result.Stderr);
        Assert.HasCount(1, result.StderrLines, result.Stderr);
        StringAssert.Contains(result.StderrLines[0], "not an ImageKit disk cache");
        CollectionAssert.AreEquivalent(
            new[] { "holiday.jpg", Path.Combine("tmp", "draft.txt"), "tmp" },
            Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(folder, p)).ToArray());
    }
}
