using System.Text.Json;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SkiaSharp;

namespace ImageKit.Tests.Cli;

[TestClass]
public sealed class InspectCommandTests
{
    private static readonly string[] s_jsonFields = ["format", "width", "height", "frameCount", "loopCount", "durationsMs", "hasAlpha"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Inspect_AnimatedGif_PrintsFormatSizeFramesLoopsAndDurations()
    {
        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("animated-red-blue.gif"));

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "format      GIF");
        StringAssert.Contains(result.Stdout, "frames      ");
        StringAssert.Contains(result.Stdout, "loop count  3 (3 plays)");
        StringAssert.Contains(result.Stdout, "durations");
        Assert.AreEqual(string.Empty, result.Stderr);
    }

    [TestMethod]
    public async Task Inspect_PhotoStoredTurned_ShowsTheUprightSizeAndSaysWhy()
    {
        var turned = await CliRunner.RunAsync("inspect", Corpus.PathOf("right-orientation.jpeg"));
        var plain = await CliRunner.RunAsync("inspect", Corpus.PathOf("TestImage.jpg"));

        Assert.AreEqual(0, turned.ExitCode, turned.Stderr);
        var lines = turned.Stdout.ReplaceLineEndings("\n").Split('\n');
        var size = Array.IndexOf(lines, "  size        640 x 480");
        Assert.IsGreaterThanOrEqualTo(0, size, turned.Stdout);
        Assert.AreEqual("  orientation 6 (Rotate 90 CW: stored 480 x 640, shown upright)", lines[size + 1]);
        Assert.AreEqual(0, plain.ExitCode, plain.Stderr);
        Assert.DoesNotContain("orientation", plain.Stdout, "a photo stored upright has no orientation line");
    }

    [TestMethod]
    [DataRow("1@2x.gif", "gif")]
    [DataRow("TestImageAnimated.webp", "webp")]
    [DataRow("TestImage.jpg", "jpeg")]
    [DataRow("TestImage.png", "png")]
    public async Task Inspect_Json_PrintsExactlyOneObjectMatchingTheManifest(string file, string format)
    {
        var expected = Corpus.Get(file);
        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf(file), "--json");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        CollectionAssert.AreEqual(s_jsonFields, root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.AreEqual(format, root.GetProperty("format").GetString());
        Assert.AreEqual(expected.Width, root.GetProperty("width").GetInt32());
        Assert.AreEqual(expected.Height, root.GetProperty("height").GetInt32());
        Assert.AreEqual(expected.FrameCount, root.GetProperty("frameCount").GetInt32());
        Assert.AreEqual(expected.HasAlpha, root.GetProperty("hasAlpha").GetBoolean());
        var durations = root.GetProperty("durationsMs").EnumerateArray().Select(d => d.GetDouble()).ToArray();
        CollectionAssert.AreEqual(expected.DurationsMs.Length == 0 ? [0d] : expected.DurationsMs, durations);
        Assert.AreEqual(1, result.Stdout.Trim().Split('\n').Length, "one JSON object, one line");
    }

    [TestMethod]
    public async Task Inspect_FramesDir_WritesEveryFrameAsCanvasSizeRgbaPng()
    {
        var directory = Directory.CreateTempSubdirectory("imagekit-frames-");
        try
        {
            var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("any-disposal.gif"), "--frames-dir", directory.FullName);

            Assert.AreEqual(0, result.ExitCode, result.Stderr);
            var files = directory.GetFiles().Select(f => f.Name).Order().ToArray();
            CollectionAssert.AreEqual(Enumerable.Range(0, 5).Select(i => $"frame-{i:D4}.png").ToArray(), files);
            using var codec = SKCodec.Create(Path.Combine(directory.FullName, "frame-0004.png"));
            Assert.AreEqual(32, codec.Info.Width);
            Assert.AreEqual(32, codec.Info.Height);
            Assert.AreNotEqual(SKAlphaType.Opaque, codec.Info.AlphaType, "RGBA with alpha");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [TestMethod]
    [DataRow("/no/such/file.gif", "file not found")]
    [DataRow("ftp://example.com/a.gif", "the 'ftp' scheme is not supported")]
    [DataRow("http://[::1", "not a valid URL")]
    [DataRow("file:///tmp/a%00b.gif", "not a valid file path")] // once an unhandled ArgumentException
    [DataRow("data:image/gif;base64,R0lGOD!!", "its data is marked base64 but is not valid base64")]
    [DataRow("data:image/gif;base64,R0lG%20OD!!", "base64")] // named as typed, not as Uri.ToString() unescapes it ("R0lG OD!!")
    public async Task Inspect_MissingFileOrUnreadableUrl_ExitsWith2AndSaysWhich(string input, string reason)
    {
        var result = await CliRunner.RunAsync("inspect", input);
        result.AssertBadInput(input, reason);
    }

    [TestMethod]
    public async Task Inspect_DataUrl_ReadsTheImageItCarries()
    {
        var result = await CliRunner.RunAsync("inspect", "data:image/gif;base64," + Convert.ToBase64String(Corpus.Read("animated-red-blue.gif")));

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "format      GIF");
        StringAssert.Contains(result.Stdout, "loop count  3 (3 plays)");
    }

    [TestMethod]
    public async Task Inspect_LongDataUrl_NamesItByItsStartAndLengthAsFetchDoes()
    {
        var url = "data:image/gif;base64," + Convert.ToBase64String(Corpus.Read("animated-red-blue.gif"));

        var result = await CliRunner.RunAsync("inspect", url);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.AreEqual($"{url[..48]}… ({url.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} characters)", result.Stdout.Split('\n')[0]);
    }

    [TestMethod]
    [DataRow("inspect")]
    [DataRow("play")]
    public async Task LongDataUrlThatIsNotAnImage_ErrorLineNamesItByItsStartAndLength(string command)
    {
        var url = "data:application/octet-stream;base64," + Convert.ToBase64String(new byte[3000]);

        var result = await CliRunner.RunAsync(command, url);

        result.AssertBadInput($"imagekit: {url[..48]}… ({url.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} characters): ", "not a recognised image format");
        Assert.IsLessThan(300, result.Stderr.Length, result.Stderr);
    }

    [TestMethod]
    public async Task Inspect_UrlThatNeedsAHeader_ReadsItWithTheHeaderAndSaysWhyNotWithout()
    {
        await using var server = await CorpusServer.StartAsync(TestContext.CancellationToken);
        var url = server.PrivateImage("animated-red-blue.gif").ToString();

        var refused = await CliRunner.RunAsync("inspect", url);
        var read = await CliRunner.RunAsync("inspect", "-H", "Authorization: " + CorpusServer.PrivateAuthorization, url);

        refused.AssertBadInput(url, "401");
        Assert.AreEqual(0, read.ExitCode, read.Stderr);
        StringAssert.Contains(read.Stdout, "format      GIF");
    }

    [TestMethod]
    public async Task Inspect_EmptyArgument_ExitsWith2InsteadOfCrashing()
    {
        var result = await CliRunner.RunAsync("inspect", string.Empty);
        result.AssertBadInput("usage", "the file or URL is empty");
    }

    [TestMethod]
    public async Task Inspect_DeviceThatNeverEnds_ExitsWith2AtTheSizeLimit()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("/dev/zero is a Unix device");
        }

        // Read to the end, /dev/zero once exhausted memory ("Out of memory.", exit 134).
        var result = await CliRunner.RunAsync("inspect", "/dev/zero");
        result.AssertBadInput("/dev/zero", "more than the 268,435,456 bytes this tool reads");
    }

    [TestMethod]
    public async Task Inspect_Pipe_ReadsTheImageFromIt()
    {
        using var folder = new TempFolder();
        var fifo = Fifo.Create(folder.Path);
        var writing = Fifo.WriteAsync(fifo, await File.ReadAllBytesAsync(Corpus.PathOf("animated-red-blue.gif"), TestContext.CancellationToken));

        var result = await CliRunner.RunAsync("inspect", fifo);
        await writing;
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "GIF");
    }

    [TestMethod]
    public async Task Inspect_TruncatedFile_ExitsWith2AndNamesTheFrame()
    {
        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("corrupt-static.gif"));
        result.AssertBadInput("corrupt-static.gif", "frame 0");
    }

    [TestMethod]
    public async Task Inspect_EmptyFile_ExitsWith2AndSaysEmpty()
    {
        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("empty.png"));
        result.AssertBadInput("empty.png", "empty");
    }

    [TestMethod]
    public async Task Inspect_TextFile_ExitsWith2AndDescribesTheBytes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"imagekit-{Guid.NewGuid():N}.gif");
        await File.WriteAllTextAsync(path, "<!DOCTYPE html><p>not found</p>", TestContext.CancellationToken);
        try
        {
            var result = await CliRunner.RunAsync("inspect", path);
            result.AssertBadInput(path, "looks like an HTML page");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public async Task Inspect_UnknownOption_ExitsWith2AndOneUsageLine()
    {
        var result = await CliRunner.RunAsync("inspect", Corpus.PathOf("any-disposal.gif"), "--bogus");
        result.AssertBadInput("usage", "--bogus");
    }

    [TestMethod]
    public async Task Inspect_HttpUrl_DownloadsAndInspects()
    {
        var gif = Corpus.Read("animated-red-blue.gif");
        await using var server = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/image", LoopbackServer.Bytes(gif, "text/plain"));
            app.MapGet("/missing", context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        }, TestContext.CancellationToken);

        var ok = await CliRunner.RunAsync("inspect", server.Url("/image").ToString(), "--json");
        Assert.AreEqual(0, ok.ExitCode, ok.Stderr);
        StringAssert.Contains(ok.Stdout, "\"format\":\"gif\"", "detected from the bytes, not the Content-Type");

        var missing = await CliRunner.RunAsync("inspect", server.Url("/missing").ToString());
        missing.AssertBadInput("/missing", "HTTP 404");
    }

    [TestMethod]
    public async Task Inspect_HttpUrlFailingOnceWith503_IsRetriedAndInspected()
    {
        var gif = Corpus.Read("animated-red-blue.gif");
        var calls = 0;
        await using var server = await LoopbackServer.StartAsync(app => app.MapGet("/flaky", async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            await LoopbackServer.Bytes(gif, "image/gif")(context);
        }), TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("inspect", server.Url("/flaky").ToString(), "--json");
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "\"format\":\"gif\"");
        Assert.AreEqual(2, calls, "one retry after the 503");
    }

    [TestMethod]
    public async Task Inspect_HttpUrlServingAWebPage_SaysWhatTheBytesLookLike()
    {
        await using var server = await LoopbackServer.StartAsync(
            app => app.MapGet("/page", LoopbackServer.Bytes("<!DOCTYPE html><p>not an image</p>"u8.ToArray(), "text/html")),
            TestContext.CancellationToken);

        var result = await CliRunner.RunAsync("inspect", server.Url("/page").ToString());
        result.AssertBadInput("/page", "HTML");
    }
}
