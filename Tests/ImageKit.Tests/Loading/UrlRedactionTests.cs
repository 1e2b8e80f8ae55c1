using System.Collections.Concurrent;
using System.Text.Json;
using ImageKit.Caching;
using ImageKit.Internal;
using ImageKit.Loading;
using ImageKit.Tests.Packaging;
using ImageKit.Tests.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ImageKit.Tests.Loading;

/// <summary>
/// Signed URLs (S3, CloudFront, Azure SAS, Google Cloud Storage) and URLs with API keys or tokens carry their secret in
/// the query. It went verbatim into logs, traces, exception messages, the CLI's output and the disk cache's index. The
/// values of secret parameters are now shown as <c>***</c> there (the request still carries them); sizes, formats and
/// versions stay visible.
/// </summary>
[TestClass]
public sealed class UrlRedactionTests
{
    private const string Secret = "s3kr1tValue";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(
        "https://b.s3.amazonaws.com/a.gif?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261204&X-Amz-Date=20261204T000000Z&X-Amz-Security-Token=tok&X-Amz-Signature=abc123",
        "https://b.s3.amazonaws.com/a.gif?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***&X-Amz-Date=20261204T000000Z&X-Amz-Security-Token=***&X-Amz-Signature=***")]
    [DataRow("https://a.blob.core.windows.net/c/a.gif?sv=2024-05-04&se=2026-12-05&sp=r&sig=Ab%2Bc%3D", "https://a.blob.core.windows.net/c/a.gif?sv=2024-05-04&se=2026-12-05&sp=r&sig=***")]
    [DataRow("https://d111.cloudfront.net/a.gif?Expires=1796000000&Signature=xyz~abc&Key-Pair-Id=K2JCJMDEHXQW5F", "https://d111.cloudfront.net/a.gif?Expires=1796000000&Signature=***&Key-Pair-Id=K2JCJMDEHXQW5F")]
    [DataRow("https://storage.googleapis.com/b/a.gif?X-Goog-Credential=sa%40p.iam&X-Goog-Signature=0a1b", "https://storage.googleapis.com/b/a.gif?X-Goog-Credential=***&X-Goog-Signature=***")]
    [DataRow("https://api.example/a.gif?access_token=t0k&size=large&api_key=k3y&client_secret=c", "https://api.example/a.gif?access_token=***&size=large&api_key=***&client_secret=***")]
    [DataRow("https://api.example/a.gif?API%5FKEY=k3y", "https://api.example/a.gif?API%5FKEY=***")] // an escaped name is read unescaped
    [DataRow("https://api.example/a.gif?token=a&token=b#token=c", "https://api.example/a.gif?token=***&token=***#token=c")] // a fragment is never sent
    [DataRow("http://me:pw@h/a.gif?Signature=s", "http://me:***@h/a.gif?Signature=***")]
    [DataRow("https://api.example/a.gif?w=1;token=abc;h=2", "https://api.example/a.gif?w=1;token=***;h=2")] // ';' separates too
    [DataRow("https://api.example/a.gif?a_very_long_parameter_name_that_goes_on_and_on_for_more_than_sixty_four_characters_access_token=abc", "https://api.example/a.gif?a_very_long_parameter_name_that_goes_on_and_on_for_more_than_sixty_four_characters_access_token=***")]
    [DataRow("https://img.example/a.gif?w=200&h=100&fm=webp&v=3", "https://img.example/a.gif?w=200&h=100&fm=webp&v=3")]
    [DataRow("https://img.example/a.gif?keyframe=1&monkey=2&token=&sig", "https://img.example/a.gif?keyframe=1&monkey=2&token=&sig")] // empty values hide nothing
    [DataRow("https://img.example/a.gif#x?token=y", "https://img.example/a.gif#x?token=y")]
    public void Describe_ASignedOrKeyedUrl_ShowsTheSecretValuesAsThreeStars(string url, string shown)
    {
        Assert.AreEqual(shown, UrlText.Describe(new Uri(url)));
    }

    [TestMethod]
    public void Describe_AUrlWithoutSecrets_ReturnsTheGivenTextItself()
    {
        var url = new Uri("https://img.example/a.gif?w=200&h=100");

        Assert.AreSame(url.OriginalString, UrlText.Describe(url));
    }

    [TestMethod]
    public void LoggedKey_AKeyWithASignedQuery_HidesItsSecretValues()
    {
        Assert.AreEqual("custom:a.gif?sig=***&w=2", new UrlText.LoggedKey("custom:a.gif?sig=abc&w=2").ToString());
    }

    [TestMethod]
    public async Task LoadImageAsync_SignedUrl_SendsTheSignatureAndShowsItNowhere()
    {
        var gif = Corpus.Read("TestImage.gif");
        var queries = new ConcurrentQueue<string>();
        await using var server = await LoopbackServer.StartAsync(
            app =>
            {
                app.MapGet("/a.gif", async (HttpContext context) =>
                {
                    queries.Enqueue(context.Request.QueryString.Value ?? string.Empty);
                    await context.Response.Body.WriteAsync(gif);
                });
                app.MapGet("/missing.gif", (HttpContext context) => context.Response.StatusCode = 404);
                app.MapGet("/moved.gif", (HttpContext context) => context.Response.Redirect($"ftp://files.example/a.gif?X-Amz-Signature={Secret}"));
            },
            TestContext.CancellationToken);
        var url = server.Url($"/a.gif?X-Amz-Signature={Secret}&w=2");
        using var folder = new TempFolder();
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        using var trace = new TestTrace();
        await using var manager = new ImageManager(
            new ImageCacheOptions { Disk = new DiskImageCacheOptions { Directory = folder.Path } },
            DownloadTestOptions.Fast(maxRetries: 0),
            new ImageManagerOptions { LoggerFactory = loggers });

        (await manager.LoadImageAsync(url, new ImageLoadOptions { WaitForDiskStore = true }, cancellationToken: TestContext.CancellationToken)).Dispose();
        var missing = await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(server.Url($"/missing.gif?token={Secret}"), cancellationToken: TestContext.CancellationToken));
        var moved = await Assert.ThrowsAsync<ImageKitException>(() => manager.LoadImageAsync(server.Url("/moved.gif"), cancellationToken: TestContext.CancellationToken));
        var stored = await manager.Cache.GetEncodedAsync(url.AbsoluteUri, TestContext.CancellationToken);

        CollectionAssert.AreEqual(new[] { $"?X-Amz-Signature={Secret}&w=2" }, queries.ToArray(), "the request carries the signature");
        Assert.AreEqual(server.Url("/a.gif?X-Amz-Signature=***&w=2").OriginalString, stored!.Metadata.OriginalUrl!.OriginalString);
        Assert.AreEqual(server.Url("/missing.gif?token=***").OriginalString, missing.SourceName);
        StringAssert.Contains(moved.Message, "redirect to ftp://files.example/a.gif?X-Amz-Signature=*** was refused");
        var tags = trace.Stopped.Select(a => string.Join(' ', a.TagObjects.Select(t => $"{t.Key}={t.Value}"))).ToList();
        var shown = string.Join("\n", logs.GetSnapshot().Select(r => r.Message).Concat(tags).Append(missing.Message).Append(moved.Message));
        Assert.Contains("X-Amz-Signature=***", shown);
        Assert.DoesNotContain(Secret, shown);
        Assert.IsNotEmpty(tags);
        var index = File.ReadAllBytes(folder.Combine("index.sqlite")).Concat(File.Exists(folder.Combine("index.sqlite-wal")) ? File.ReadAllBytes(folder.Combine("index.sqlite-wal")) : []).ToArray();
        Assert.AreEqual(-1, index.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(Secret)), "the signature is not in the index");
    }

    [TestMethod]
    public async Task Fetch_SignedUrl_ShowsTheSignatureAsThreeStarsInTextAndJson()
    {
        using var folder = new TempFolder();
        var url = $"http://127.0.0.1:9/a.gif?Signature={Secret}&w=2"; // nothing listens there: a failure, named

        var text = await Cli.CliRunner.RunAsync("fetch", url, "--cache-dir", folder.Path);
        var json = await Cli.CliRunner.RunAsync("fetch", url, "--cache-dir", folder.Path, "--json");
        var inspect = await Cli.CliRunner.RunAsync("inspect", url);

        StringAssert.Contains(text.Stdout, "failed  http://127.0.0.1:9/a.gif?Signature=***&w=2: ");
        StringAssert.Contains(json.Stdout, "\"url\":\"http://127.0.0.1:9/a.gif?Signature=***\\u0026w=2\"");
        StringAssert.Contains(inspect.Stderr, "http://127.0.0.1:9/a.gif?Signature=***&w=2");
        Assert.DoesNotContain(Secret, text.Stdout + text.Stderr + json.Stdout + json.Stderr + inspect.Stdout + inspect.Stderr);
    }

    /// <summary>The switch for debugging: with the variable set, the CLI (a process of its own) shows the URL whole.</summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Fetch_WithRedactionTurnedOff_ShowsTheSignature()
    {
        using var folder = new TempFolder();
        var url = $"http://127.0.0.1:9/a.gif?Signature={Secret}";

        var result = await DotnetCli.RunAsync(
            DotnetCli.Executable,
            [Path.Combine(AppContext.BaseDirectory, "ImageKit.Cli.dll"), "fetch", url, "--json", "--cache-dir", folder.Path],
            TimeSpan.FromSeconds(100),
            new Dictionary<string, string> { [SecretQueryParameters.DisableVariable] = "1" },
            TestContext.CancellationToken);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual(url, json.RootElement.GetProperty("results")[0].GetProperty("url").GetString());
    }
}
